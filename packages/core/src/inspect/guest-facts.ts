/** Builds the core facts of a guest before the plugins' `inspect` taps add theirs. */
import type { GuestFacts } from '../facts.js';
import type { GuestFs } from '../guest/guestfs.js';
import { PlannedGuest, type GuestView } from '../plan/planned-guest.js';
import type { VmDescription } from '../vm.js';
import { inspectLinux } from './linux.js';

/** What the guest-access layer already knows (libguestfs inspection). */
export interface OsHints {
  type?: 'linux' | 'windows' | 'unknown';
  arch?: string;
  productName?: string;
  hostname?: string;
  /** Firmware seen from the partition table (GPT with an ESP → uefi). */
  firmware?: 'bios' | 'uefi';
}

export async function inspectGuestFacts(source: GuestFs | GuestView, options: { vm?: VmDescription; hints?: OsHints } = {}): Promise<GuestFacts> {
  const guest: GuestView = 'readText' in source ? source : new PlannedGuest(source);
  const hints = options.hints ?? {};
  const facts: GuestFacts = { os: { type: 'unknown', arch: hints.arch ?? 'unknown' }, firmware: hints.firmware ?? options.vm?.firmware ?? 'unknown', extensions: {}, ...(options.vm ? { vm: options.vm } : {}) };
  if (hints.type === 'windows') {
    facts.os = { type: 'windows', arch: hints.arch ?? 'unknown', ...(hints.productName ? { productName: hints.productName } : {}), ...(hints.hostname ? { hostname: hints.hostname } : {}) };
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
