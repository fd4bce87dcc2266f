/**
 * A Windows test image opened the way `hyper2kvm migrate` opens it: a qcow2
 * overlay in front of the source VMDK, one libguestfs appliance, the guest
 * mounted with its boot volume, the registry read from the real hives; then
 * inspect, plan and fix of given plugins. Afterwards the overlay is read with
 * host tools (mtools, ntfs-3g), not through the appliance.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { CORE_VERSION, Engine, inspectGuestFacts, orderPlugins, type GuestFacts, type Hyper2kvmPlugin, type OsHints, type Plan } from '@hyper2kvm/core';
import { GuestfsAppliance, GuestRegistry } from '@hyper2kvm/guestfs';

/** Files of one partition of a disk image, read with host tools. */
export interface PartitionFiles {
  readFile(partition: number, fs: 'vfat' | 'ntfs', path: string): Promise<Buffer | null>;
  readdir(partition: number, fs: 'vfat' | 'ntfs', path: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface WindowsRun {
  /** The source VMDK and the overlay the run wrote. */
  vmdk: string;
  overlay: string;
  /** Guest paths of the boot volumes the appliance mounted. */
  bootVolumes: GuestfsAppliance['bootVolumes'];
  facts: GuestFacts;
  plan: Plan;
  backupDir: string;
  cleanup(): Promise<void>;
}

const testImages = (file: string): string => fileURLToPath(new URL(`../../../test-images/${file}`, import.meta.url));

/** Reads the partitions of a disk image (a raw copy, removed by close). */
export async function openPartitions(image: string, format: string): Promise<PartitionFiles> {
  const reader = (await import(testImages('partition-files.mjs'))) as { openPartitions(image: string, format: string): Promise<PartitionFiles> };
  return reader.openPartitions(image, format);
}

/**
 * Builds (or reuses) the image, opens it in one appliance, runs inspect, plan
 * and fix of `plugins`, and closes the appliance (the overlay keeps the result).
 */
export async function migrateWindowsImage(name: string, plugins: Hyper2kvmPlugin[]): Promise<WindowsRun> {
  const builder = (await import(testImages('build.mjs'))) as { ensureImage(name: string, options?: { log?: (line: string) => void }): Promise<{ files: { vmdk?: string } }> };
  const vmdk = (await builder.ensureImage(name, { log: () => undefined })).files.vmdk;
  if (!vmdk) throw new Error(`test image ${name} has no VMDK`);
  process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
  const dir = await mkdtemp(join(tmpdir(), `hyper2kvm-${name}-`));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const overlay = join(dir, 'overlay.qcow2');
  const backupDir = join(dir, 'backup');
  await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'vmdk', '-b', vmdk, overlay]);
  const appliance = await GuestfsAppliance.launch({ disks: [{ path: overlay, format: 'qcow2' }] });
  let registry: GuestRegistry | undefined;
  try {
    const inspection = await appliance.inspectOs();
    if (inspection?.type !== 'windows') throw new Error(`no Windows found on ${vmdk}`);
    await appliance.mountGuest(inspection);
    registry = new GuestRegistry(appliance, { systemRoot: inspection.windowsSystemRoot ?? '/Windows', workDir: dir });
    // No firmware hint: core tells it from the boot files on the volumes the appliance shows.
    const esp = appliance.bootVolumes.find((volume) => volume.kind === 'esp');
    const reserved = appliance.bootVolumes.find((volume) => volume.kind === 'system-reserved');
    const hints: OsHints = {
      type: 'windows',
      arch: inspection.arch,
      windowsSystemRoot: inspection.windowsSystemRoot ?? '/Windows',
      ...(esp ? { windowsEspRoot: esp.root } : {}),
      ...(reserved ? { windowsBootVolumeRoot: reserved.root } : {}),
    };
    const base = await inspectGuestFacts(appliance, { hints, registry });
    const ordered = orderPlugins(plugins.map((plugin) => ({ name: plugin.name, enforce: plugin.enforce, before: plugin.before, after: plugin.after, plugin, options: plugin.options ? plugin.options.parse({}) : undefined })), 'test');
    const engine = new Engine({ plugins: ordered, coreVersion: CORE_VERSION });
    const facts = await engine.inspect(appliance, base);
    const plan = await engine.plan(appliance, facts, { registry });
    await engine.fix(appliance, facts, plan, { backupDir, registry });
    const bootVolumes = [...appliance.bootVolumes];
    await registry.close();
    await appliance.close();
    return { vmdk, overlay, bootVolumes, facts, plan, backupDir, cleanup };
  } catch (error) {
    await registry?.close().catch(() => undefined);
    await appliance.close().catch(() => undefined);
    await cleanup();
    throw error;
  }
}
