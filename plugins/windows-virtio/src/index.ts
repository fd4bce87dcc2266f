/**
 * Makes a Windows guest boot on virtio: stages the virtio-win drivers for its
 * version in the guest, installs the boot storage driver (viostor or
 * vioscsi) as a boot-start service in every control set and binds the virtio
 * PCI IDs to it. Without matching drivers the domain falls back to SATA + e1000.
 */
import { readFile } from 'node:fs/promises';
import { definePlugin, packageManifest, windowsVersionFor, type GuestFacts, type PlanApi, type WindowsVersionMatch } from '@hyper2kvm/core';
import { z } from 'zod';
import {
  planCriticalDeviceDatabase,
  planDevicePath,
  planDriverDatabase,
  planService,
  driverStoreName,
  installSection,
  STORAGE_PCI_IDS,
  type StorageDriver,
} from './registry-plan.js';
import { openVirtioWin, selectDrivers, virtioWinPath, type DriverPackage, type VirtioWinSource } from './virtio-win.js';

const manifest = packageManifest(import.meta.url);

/** The staging folder (`<SystemRoot>/Drivers/VirtIO`) as Windows sees it. */
const STAGING_DEVICE_PATH = '%SystemRoot%\\Drivers\\VirtIO';

const options = z
  .object({
    /** Boot storage driver: virtio-blk (`viostor`) or virtio-scsi (`vioscsi`). */
    storage: z.enum(['viostor', 'vioscsi']).default('viostor'),
    /** virtio-win ISO or directory (default: the run's virtio-win setting, then /usr/share/virtio-win/virtio-win.iso). */
    virtioWin: z.string().min(1).optional(),
  })
  .strict();

/** What inspect found, for plan. */
type Prepared = { ready: true; row: WindowsVersionMatch; source: VirtioWinSource; drivers: DriverPackage[] } | { ready: false; why: string; hint: string };

async function prepare(facts: GuestFacts, storage: StorageDriver, sourcePath: string): Promise<Prepared> {
  const windows = facts.windows;
  if (!windows) return { ready: false, why: 'the Windows version could not be read from the registry', hint: 'check that the SOFTWARE hive is readable' };
  const row = windowsVersionFor(windows, facts.os.arch);
  if (!row) {
    return {
      ready: false,
      why: `virtio-win has no drivers for Windows NT ${windows.ntVersion} build ${windows.build} (${windows.installationType}, ${facts.os.arch})`,
      hint: 'install the virtio drivers in the source VM, or keep SATA and e1000',
    };
  }
  const source = await openVirtioWin(sourcePath);
  if (!source)
    return {
      ready: false,
      why: `no virtio-win drivers at ${sourcePath}`,
      hint: 'install virtio-win, or point --virtio-win (or virtioWin in the config) at its ISO or directory',
    };
  const drivers = selectDrivers(await source.list(), row.virtioWinDir, row.virtioWinArch);
  const boot = drivers.find((pkg) => pkg.dir.toLowerCase() === storage);
  if (!boot?.files.some((file) => file.toLowerCase().endsWith(`/${storage}.sys`))) {
    await source.dispose();
    return {
      ready: false,
      why: `${sourcePath} has no ${storage} driver for ${row.virtioWinDir}/${row.virtioWinArch}`,
      hint: 'use a virtio-win release that supports this Windows version',
    };
  }
  return { ready: true, row, source, drivers };
}

/** The guest path of `parent/child`, in the guest's own casing when it exists. */
async function guestPath(p: PlanApi, parent: string, child: string): Promise<string> {
  const wanted = `${parent}/${child}`;
  return (await p.guest.resolveCaseInsensitive(wanted)) ?? wanted;
}

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Installs the virtio-win boot storage driver and stages the other virtio drivers in Windows guests',
  options,
  appliesTo: (facts) => facts.os.type === 'windows',
  apply(hooks, { options: settings, run }) {
    let prepared: Prepared | undefined;
    const storage: StorageDriver = settings.storage;

    hooks.inspect.tapPromise(manifest.name, async ({ facts }) => {
      if (facts.os.type !== 'windows') return;
      prepared = await prepare(facts, storage, virtioWinPath(settings.virtioWin, run.virtioWin));
      // The emitters follow the target: without the drivers, devices Windows has inbox drivers for;
      // with vioscsi as the boot driver, a virtio-scsi controller (viostor drives virtio-blk, the default).
      if (!prepared.ready) facts.target = { diskBus: 'sata', nicModel: 'e1000' };
      else if (storage === 'vioscsi') facts.target.diskBus = 'scsi';
    });

    hooks.plan.tapPromise(manifest.name, async (p) => {
      const { facts } = p;
      prepared ??= await prepare(facts, storage, virtioWinPath(settings.virtioWin, run.virtioWin));
      if (!prepared.ready) {
        p.report({ rule: 'no-virtio-drivers', severity: 'warning', message: `${prepared.why}: the guest keeps SATA and e1000`, hint: prepared.hint });
        return;
      }
      const windows = facts.windows!;
      const { row, source, drivers } = prepared;
      const hostFiles = await source.fetch(drivers.flatMap((pkg) => pkg.files));

      // Stage every driver package for this OS and architecture.
      const systemRoot = (await p.guest.resolveCaseInsensitive(windows.systemRoot)) ?? windows.systemRoot;
      const driversDir = await guestPath(p, systemRoot, 'Drivers');
      const stagingDir = await guestPath(p, driversDir, 'VirtIO');
      for (const pkg of drivers) {
        const packageDir = await guestPath(p, stagingDir, pkg.dir);
        for (const file of pkg.files) {
          const name = file.slice(file.lastIndexOf('/') + 1);
          p.upload(hostFiles.get(file)!, `${packageDir}/${name}`, `stage the ${pkg.dir} driver (${row.virtioWinDir}/${row.virtioWinArch}) for Plug and Play`);
        }
      }
      await planDevicePath(p, STAGING_DEVICE_PATH);

      // The boot storage driver, where the boot loader loads it from.
      const boot = drivers.find((pkg) => pkg.dir.toLowerCase() === storage)!;
      const sys = boot.files.find((file) => file.toLowerCase().endsWith(`/${storage}.sys`))!;
      const system32 = await guestPath(p, systemRoot, 'System32');
      const system32Drivers = await guestPath(p, system32, 'drivers');
      p.upload(hostFiles.get(sys)!, await guestPath(p, system32Drivers, `${storage}.sys`), `boot storage driver (${row.virtioWinDir}/${row.virtioWinArch})`);
      await planService(p, windows.controlSets, storage);

      if (row.deviceBinding === 'DriverDatabase' && windows.hasDriverDatabase) {
        const infFile = boot.files.find((file) => file.toLowerCase().endsWith(`/${storage}.inf`));
        const infContent = infFile ? await readFile(hostFiles.get(infFile)!) : Buffer.from(storage);
        const configuration = installSection(infContent.toString('utf8'), storage, STORAGE_PCI_IDS[storage][0]);
        await planDriverDatabase(p, storage, driverStoreName(storage, row.virtioWinArch, infContent), configuration);
      } else {
        if (row.deviceBinding === 'DriverDatabase') {
          p.report({
            rule: 'no-driver-database',
            severity: 'warning',
            message: `${row.name} without a DriverDatabase key in SYSTEM: ${storage} is bound through CriticalDeviceDatabase instead`,
            hint: 'check that the SYSTEM hive is the one Windows boots with',
          });
        }
        planCriticalDeviceDatabase(p, windows.controlSets, storage);
      }
    });

    // Extracted ISO files are needed until the plan is applied; the run's end releases them, whatever its outcome.
    hooks.dispose.tapPromise(manifest.name, async () => {
      if (prepared?.ready) await prepared.source.dispose();
    });
  },
});

export { WINDOWS_VERSIONS, windowsVersionFor } from '@hyper2kvm/core';
export * from './registry-plan.js';
export * from './virtio-win.js';
