/** Where a Linux guest keeps its kernel command line, read as one text for option lookups. */
import type { GuestView } from '../plan/planned-guest.js';

/** Files that can hold the kernel command line (BLS entries are added from the guest). */
const CMDLINE_FILES = ['/etc/default/grub', '/etc/kernel/cmdline'];

/** The text of every file that sets the kernel command line, joined by newlines. */
export async function kernelCommandLineText(guest: GuestView): Promise<string> {
  const texts: string[] = [];
  for (const path of [...CMDLINE_FILES, ...(await guest.glob('/boot/loader/entries/*.conf'))]) texts.push((await guest.readText(path)) ?? '');
  return texts.join('\n');
}

/** Whether `option` (`net.ifnames=0`, `cloud-init=disabled`) is set in that text, as a whole word. */
export function hasKernelOption(text: string, option: string): boolean {
  const escaped = option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[\\s"'])${escaped}(?=$|[\\s"'])`, 'm').test(text);
}
