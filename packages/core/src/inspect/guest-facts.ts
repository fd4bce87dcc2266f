/** Builds the core facts of a guest before the plugins' `inspect` taps add theirs. */
import { defaultTargetDevices, type GuestFacts } from '../facts.js';
import type { GuestFs } from '../guest/guestfs.js';
import { PlannedGuest, type GuestView } from '../plan/planned-guest.js';
import type { VmDescription } from '../vm.js';
import type { RegistryReader } from '../plan/planned-guest.js';
import { inspectLinux } from './linux.js';
import { inspectWindows } from './windows.js';

/** What the guest-access layer already knows (libguestfs inspection). */
export interface OsHints {
  type?: 'linux' | 'windows' | 'unknown';
  arch?: string;
  productName?: string;
  hostname?: string;
  /** Firmware seen from the partition table (GPT with an ESP → uefi). */
  firmware?: 'bios' | 'uefi';
  /** The root file system the OS was found on (becomes `facts.os.root`). */
  root?: string;
  /** Other operating systems found, not used (becomes `facts.os.otherRoots`). */
  otherRoots?: string[];
  /** Snapshots of the root that were not used (becomes `facts.os.skippedRoots`). */
  skippedRoots?: { root: string; reason: string }[];
  /** Windows: system root as libguestfs found it, e.g. `/Windows`. */
  windowsSystemRoot?: string;
  /** Windows: guest path where the adapter shows the EFI system partition (becomes `facts.windows.espRoot`). */
  windowsEspRoot?: string;
  /** Windows: guest path where the adapter shows a separate BIOS boot volume (becomes `facts.windows.bootVolumeRoot`). */
  windowsBootVolumeRoot?: string;
}

/** Options of {@link inspectGuestFacts}. */
export interface InspectGuestFactsOptions {
  vm?: VmDescription;
  hints?: OsHints;
  /** The guest's registry (Windows guests); without it Windows facts are not read. */
  registry?: RegistryReader;
}

/**
 * Builds the core facts of a guest. Windows facts need `options.registry`;
 * Linux facts are read from the files.
 */
export async function inspectGuestFacts(source: GuestFs | GuestView, options: InspectGuestFactsOptions = {}): Promise<GuestFacts> {
  const guest: GuestView = 'readText' in source ? source : new PlannedGuest(source, options.registry);
  const hints = options.hints ?? {};
  const facts: GuestFacts = {
    os: { type: 'unknown', arch: hints.arch ?? 'unknown' },
    firmware: hints.firmware ?? options.vm?.firmware ?? 'unknown',
    target: defaultTargetDevices(),
    extensions: {},
    ...(options.vm ? { vm: options.vm } : {}),
  };
  if (hints.type === 'windows') {
    facts.os = {
      type: 'windows',
      arch: hints.arch ?? 'unknown',
      ...(hints.productName ? { productName: hints.productName } : {}),
      ...(hints.hostname ? { hostname: hints.hostname } : {}),
      ...rootFacts(hints),
    };
    const readRange = 'readRange' in source ? source.readRange?.bind(source) : undefined;
    const windows = await inspectWindows(guest, {
      ...(hints.windowsSystemRoot ? { systemRoot: hints.windowsSystemRoot } : {}),
      ...(readRange ? { readHead: (path: string, length: number) => readRange(path, 0, length) } : {}),
    });
    if (windows) {
      facts.windows = windows;
      facts.os.productName ??= windows.productName;
      if (hints.windowsEspRoot) windows.espRoot = hints.windowsEspRoot;
      if (hints.windowsBootVolumeRoot) windows.bootVolumeRoot = hints.windowsBootVolumeRoot;
    }
    // Without a hint from the disks, where the boot manager's store is tells:
    // \Boot\BCD (on C: or System Reserved) is BIOS, \EFI\Microsoft\Boot\BCD on the ESP is UEFI.
    if (facts.firmware === 'unknown') facts.firmware = await firmwareFromBootFiles(guest, hints);
    return facts;
  }
  const listInitramfs = 'listInitramfs' in source ? source.listInitramfs?.bind(source) : undefined;
  const linux = await inspectLinux(guest, listInitramfs ? { listInitramfs } : {});
  if (linux) {
    const { hostname, arch, ...linuxFacts } = linux;
    facts.linux = linuxFacts;
    facts.os = {
      type: 'linux',
      arch: hints.arch ?? arch,
      productName: hints.productName ?? linux.prettyName ?? linux.distro,
      ...((hostname ?? hints.hostname) ? { hostname: hostname ?? hints.hostname } : {}),
      ...rootFacts(hints),
    };
    if (facts.firmware === 'unknown') {
      const esp = linux.fstab.some((entry) => entry.mountpoint === '/boot/efi' || entry.mountpoint === '/efi');
      facts.firmware = esp || (await guest.glob('/boot/efi/EFI/*')).length > 0 ? 'uefi' : 'bios';
    }
  }
  return facts;
}

/** Where the OS was found, and the roots that were not used (only what the hints say). */
function rootFacts(hints: OsHints): Pick<GuestFacts['os'], 'root' | 'otherRoots' | 'skippedRoots'> {
  return {
    ...(hints.root ? { root: hints.root } : {}),
    ...(hints.otherRoots?.length ? { otherRoots: [...hints.otherRoots] } : {}),
    ...(hints.skippedRoots?.length ? { skippedRoots: hints.skippedRoots.map((skipped) => ({ ...skipped })) } : {}),
  };
}

async function firmwareFromBootFiles(guest: GuestView, hints: OsHints): Promise<GuestFacts['firmware']> {
  if (hints.windowsEspRoot && (await guest.resolveCaseInsensitive(`${hints.windowsEspRoot}/EFI/Microsoft/Boot/BCD`))) return 'uefi';
  for (const root of ['', ...(hints.windowsBootVolumeRoot ? [hints.windowsBootVolumeRoot] : [])]) {
    if (await guest.resolveCaseInsensitive(`${root}/Boot/BCD`)) return 'bios';
  }
  return 'unknown';
}
