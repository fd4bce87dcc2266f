/**
 * Guards a Windows guest's boot configuration through a conversion: every
 * BCD store is found (the system volume, a System Reserved volume, the ESP),
 * its default entry and the partition it boots from are checked against the
 * system volume, each store is copied to the run's backup folder before any
 * other repair touches the guest, and the stores are never rewritten. The
 * one repair, made only when it is clearly missing, is the fallback UEFI
 * loader `\EFI\BOOT\BOOTX64.EFI` (a copy of bootmgfw.efi): OVMF starts with
 * empty NVRAM, so without it a UEFI Windows stops at the firmware shell.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  definePlugin,
  packageManifest,
  registryBinary,
  registryString,
  type FixContext,
  type GuestFacts,
  type GuestFs,
  type PlanContext,
} from '@hyper2kvm/core';
import { z } from 'zod';
import { decodeMountedDevice, deviceIsVolume, readBcdDefault, type BcdDefaultEntry, type BcdDevice } from './bcd.js';

export { decodeBcdDevice, decodeMountedDevice, guidFromBytes, readBcdDefault } from './bcd.js';

const manifest = packageManifest(import.meta.url);

/** BCD store of a BIOS guest, on the system or System Reserved volume. */
const BIOS_BCD = '/Boot/BCD';

const options = z
  .object({
    /**
     * More guest paths where an EFI system partition is reachable (its
     * root), looked at after the one the guest access mounts
     * (`facts.windows.espRoot`). Only needed when the ESP is mounted some
     * other way, e.g. in a guest folder.
     */
    espRoots: z.array(z.string()).default([]),
  })
  .strict();

/** What inspect found about the BCD stores, kept under `facts.extensions['@hyper2kvm/plugin-bcd-guard']`. */
export interface BcdGuardFacts {
  stores: { path: string; defaultEntry: BcdDefaultEntry | null; error?: string }[];
  /** Root of the reachable ESP, if any. */
  espRoot?: string;
}

declare module '@hyper2kvm/core' {
  interface PluginFactExtensions {
    '@hyper2kvm/plugin-bcd-guard': BcdGuardFacts;
  }
}

/**
 * The BCD stores reachable in the guest: `\Boot\BCD` on the system volume
 * and on a separate BIOS boot volume (System Reserved), and
 * `\EFI\Microsoft\Boot\BCD` on the ESP; `espRoot` is the first ESP root
 * that holds `\EFI\Microsoft\Boot`.
 */
async function findStores(
  guest: Pick<GuestFs, 'resolveCaseInsensitive'>,
  biosRoots: string[],
  espRoots: string[],
): Promise<{ paths: string[]; espRoot?: string }> {
  const paths: string[] = [];
  let espRoot: string | undefined;
  for (const root of biosRoots) {
    const bios = await guest.resolveCaseInsensitive(`${root}${BIOS_BCD}`);
    if (bios) paths.push(bios);
  }
  for (const root of espRoots) {
    const resolvedRoot = await guest.resolveCaseInsensitive(root);
    if (!resolvedRoot || !(await guest.resolveCaseInsensitive(`${resolvedRoot}/EFI/Microsoft/Boot`))) continue;
    espRoot ??= resolvedRoot;
    const store = await guest.resolveCaseInsensitive(`${resolvedRoot}/EFI/Microsoft/Boot/BCD`);
    if (store) paths.push(store);
  }
  return { paths, ...(espRoot ? { espRoot } : {}) };
}

function describeDevice(device: BcdDevice | undefined): string {
  if (!device) return 'no device';
  switch (device.kind) {
    case 'gpt':
      return `GPT partition ${device.partition}`;
    case 'mbr':
      return `MBR disk ${device.signature.toString(16).padStart(8, '0')} at offset ${device.offset}`;
    case 'boot':
      return 'the boot partition';
    case 'other':
      return `device type ${device.type}`;
  }
}

async function planBcd(p: PlanContext, facts: GuestFacts): Promise<void> {
  const guard = facts.extensions['@hyper2kvm/plugin-bcd-guard'];
  const stores = guard?.stores ?? [];
  const firmware = facts.firmware;
  if (stores.length === 0) {
    p.report({
      rule: 'bcd-not-found',
      severity: 'warning',
      message: `No BCD store is reachable through the guest access (looked for ${BIOS_BCD} on the system volume and a System Reserved volume${firmware === 'uefi' ? ' and \\EFI\\Microsoft\\Boot\\BCD on the ESP' : ''}); it is neither backed up nor checked.`,
      hint: 'The store is on a partition the guest access did not find or could not mount; it is not modified by hyper2kvm.',
    });
  } else {
    p.report({
      rule: 'bcd-stores',
      severity: 'info',
      message: `Firmware ${firmware}; BCD stores found: ${stores.map((store) => store.path).join(', ')}. They are copied to the run's backup folder and never rewritten.`,
    });
  }
  const systemDrive = (registryString(await p.guest.registryValue('SOFTWARE', 'Microsoft\\Windows NT\\CurrentVersion', 'SystemRoot')) ?? 'C:\\Windows')
    .slice(0, 2)
    .toUpperCase();
  const mounted = registryBinary(await p.guest.registryValue('SYSTEM', 'MountedDevices', `\\DosDevices\\${systemDrive}`));
  const volume = mounted ? decodeMountedDevice(mounted) : null;
  for (const store of stores) {
    if (store.error !== undefined) {
      p.report({ rule: 'bcd-unreadable', severity: 'warning', message: `BCD store ${store.path} could not be read: ${store.error}` });
      continue;
    }
    const entry = store.defaultEntry;
    if (!entry) {
      p.report({
        rule: 'bcd-no-default',
        severity: 'warning',
        message: `BCD store ${store.path} has no default boot entry (boot manager element 23000003).`,
        hint: 'Check `bcdedit /enum {bootmgr}` in the source VM.',
      });
      continue;
    }
    const matches = entry.device && volume ? deviceIsVolume(entry.device, volume) : null;
    if (matches === false) {
      p.report({
        rule: 'bcd-default-elsewhere',
        severity: 'warning',
        message: `The default boot entry ${entry.guid}${entry.description ? ` ("${entry.description}")` : ''} of ${store.path} boots from ${describeDevice(entry.device)}, not the system volume ${systemDrive}.`,
        hint: 'Check `bcdedit /enum {default}` in the source VM; the converted guest may boot another installation or fail to boot.',
      });
    }
  }
  if (firmware === 'uefi') await ensureFallbackLoader(p, guard?.espRoot);
}

/** `\EFI\BOOT\BOOTX64.EFI`, so OVMF boots Windows without NVRAM entries. */
async function ensureFallbackLoader(p: PlanContext, espRoot: string | undefined): Promise<void> {
  if (!espRoot) {
    p.report({
      rule: 'esp-not-reachable',
      severity: 'warning',
      message: 'The EFI system partition is not reachable through the guest access, so \\EFI\\BOOT\\BOOTX64.EFI could not be checked.',
      hint: 'Windows installs \\EFI\\BOOT\\BOOTX64.EFI on the ESP by default; if the converted guest stops at the UEFI shell, run `bcdboot C:\\Windows /s S: /f UEFI` from recovery media.',
    });
    return;
  }
  if (await p.guest.resolveCaseInsensitive(`${espRoot}/EFI/Boot/bootx64.efi`)) return;
  const bootmgfw = await p.guest.resolveCaseInsensitive(`${espRoot}/EFI/Microsoft/Boot/bootmgfw.efi`);
  if (!bootmgfw) {
    p.report({
      rule: 'esp-no-boot-manager',
      severity: 'warning',
      message: `Neither \\EFI\\BOOT\\BOOTX64.EFI nor \\EFI\\Microsoft\\Boot\\bootmgfw.efi is on the ESP (${espRoot}).`,
      hint: 'Run `bcdboot C:\\Windows /f UEFI` in the source VM.',
    });
    return;
  }
  const bootDir = (await p.guest.resolveCaseInsensitive(`${espRoot}/EFI/Boot`)) ?? `${espRoot}/EFI/Boot`;
  await p.writeFile(
    `${bootDir}/BOOTX64.EFI`,
    await p.guest.readFile(bootmgfw),
    'fallback UEFI boot loader (copy of bootmgfw.efi) so OVMF boots Windows without NVRAM entries',
  );
}

/**
 * File name of a store's backup: its path on its volume, `/` → `_`, prefixed
 * with the volume when it is not C: (`Boot_BCD`, `ESP_EFI_Microsoft_Boot_BCD`,
 * `SystemReserved_Boot_BCD`).
 */
export function backupNameOf(path: string, roots: { espRoot?: string | undefined; bootVolumeRoot?: string | undefined }): string {
  let volume = '';
  let rest = path;
  for (const [root, label] of [
    [roots.espRoot, 'ESP'],
    [roots.bootVolumeRoot, 'SystemReserved'],
  ] as const) {
    if (root && path.startsWith(`${root}/`)) {
      volume = `${label}_`;
      rest = path.slice(root.length);
      break;
    }
  }
  return volume + rest.replace(/^\/+/, '').replace(/[/\\]/g, '_');
}

/** Copies every BCD store found to `<backupDir>/bcd/`, named after its volume and path. */
async function backupStores(context: FixContext): Promise<void> {
  const guard = context.facts.extensions['@hyper2kvm/plugin-bcd-guard'];
  if (!guard || guard.stores.length === 0) return;
  const dir = join(context.backupDir, 'bcd');
  await mkdir(dir, { recursive: true });
  for (const store of guard.stores) {
    const name = backupNameOf(store.path, { espRoot: guard.espRoot, bootVolumeRoot: context.facts.windows?.bootVolumeRoot });
    await writeFile(join(dir, name), await context.guest.readFile(store.path));
    context.logger.info({ store: store.path, backup: join(dir, name) }, 'BCD store backed up');
  }
}

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description:
    'Backs up the Windows BCD stores before any change, checks their default entry and device, and adds the fallback UEFI loader only when it is missing',
  options,
  enforce: 'pre',
  appliesTo: (facts) => facts.os.type === 'windows',
  apply(hooks, { options: config }) {
    hooks.inspect.tapPromise('bcd-guard', async ({ guest, facts }) => {
      if (facts.os.type !== 'windows') return;
      const windows = facts.windows;
      // '' is the system volume (C:); the others are where the guest access shows the boot volumes.
      const biosRoots = ['', ...(windows?.bootVolumeRoot ? [windows.bootVolumeRoot] : [])];
      const espRoots = [...new Set([...(windows?.espRoot ? [windows.espRoot] : []), ...config.espRoots])];
      const { paths, espRoot } = await findStores(guest, biosRoots, espRoots);
      const stores: BcdGuardFacts['stores'] = [];
      for (const path of paths) {
        try {
          stores.push({ path, defaultEntry: await readBcdDefault(await guest.readFile(path)) });
        } catch (error) {
          stores.push({ path, defaultEntry: null, error: error instanceof Error ? error.message : String(error) });
        }
      }
      facts.extensions['@hyper2kvm/plugin-bcd-guard'] = { stores, ...(espRoot ? { espRoot } : {}) };
    });
    hooks.plan.tapPromise('bcd-guard', async (p) => {
      if (!p.facts.windows) return;
      await planBcd(p, p.facts);
    });
    // Before any other fix step touches the guest.
    hooks.fixOffline.tapPromise('bcd-guard', backupStores, { stage: -100 });
  },
});
