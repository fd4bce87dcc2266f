/** Builds the core facts of a guest before the plugins' `inspect` taps add theirs. */
import type { GuestFacts } from '../facts.js';
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
  /** Windows: system root as libguestfs found it, e.g. `/Windows`. */
  windowsSystemRoot?: string;
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
  const facts: GuestFacts = { os: { type: 'unknown', arch: hints.arch ?? 'unknown' }, firmware: hints.firmware ?? options.vm?.firmware ?? 'unknown', extensions: {}, ...(options.vm ? { vm: options.vm } : {}) };
  if (hints.type === 'windows') {
    facts.os = { type: 'windows', arch: hints.arch ?? 'unknown', ...(hints.productName ? { productName: hints.productName } : {}), ...(hints.hostname ? { hostname: hints.hostname } : {}) };
    const readRange = 'readRange' in source ? source.readRange?.bind(source) : undefined;
    const windows = await inspectWindows(guest, {
      ...(hints.windowsSystemRoot ? { systemRoot: hints.windowsSystemRoot } : {}),
      ...(readRange ? { readHead: (path: string, length: number) => readRange(path, 0, length) } : {}),
    });
    if (windows) {
      facts.windows = windows;
      facts.os.productName ??= windows.productName;
    }
    // Without a hint from the disks, the boot files on the system volume tell:
    // \Boot\BCD is the BIOS boot manager's store (UEFI keeps it on the ESP).
    if (facts.firmware === 'unknown') facts.firmware = (await guest.resolveCaseInsensitive('/Boot/BCD')) ? 'bios' : 'unknown';
    return facts;
  }
  const linux = await inspectLinux(guest);
  if (linux) {
    const { hostname, arch, ...linuxFacts } = linux;
    facts.linux = linuxFacts;
    facts.os = { type: 'linux', arch: hints.arch ?? arch, productName: hints.productName ?? linux.prettyName ?? linux.distro, ...((hostname ?? hints.hostname) ? { hostname: hostname ?? hints.hostname } : {}) };
    if (facts.firmware === 'unknown') {
      const esp = linux.fstab.some((entry) => entry.mountpoint === '/boot/efi' || entry.mountpoint === '/efi');
      facts.firmware = esp || (await guest.glob('/boot/efi/EFI/*')).length > 0 ? 'uefi' : 'bios';
    }
  }
  return facts;
}
