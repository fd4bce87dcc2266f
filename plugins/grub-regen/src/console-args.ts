/**
 * The kernel console arguments that keep a migrated guest usable on a
 * headless KVM host: the VGA console, and the first serial port last so it is
 * the primary console (`/dev/console`) that virsh console and log readers see.
 */

/** The first screen; added before any console already given. */
export const VGA_CONSOLE = 'console=tty0';
/** The first serial port at the speed KVM's serial console uses; added last. */
export const SERIAL_CONSOLE = 'console=ttyS0,115200n8';

/** Device of a `console=` argument: `ttyS0` for `console=ttyS0,115200n8`. */
function consoleDevice(arg: string): string | null {
  const match = /^console=([^,\s]+)/.exec(arg);
  return match ? match[1]! : null;
}

/**
 * Adds the console arguments the words lack, keeping those already there (a
 * `console=ttyS0,9600` stays as it is). `tty0` goes before the existing
 * consoles, `ttyS0` after everything.
 * @param words the command line split on white space
 * @param elsewhere words of the same command line kept in another place (GRUB_CMDLINE_LINUX_DEFAULT)
 */
export function withConsoles(words: string[], elsewhere: string[] = []): string[] {
  const devices = new Set([...words, ...elsewhere].map(consoleDevice).filter((device): device is string => device !== null));
  const result = [...words];
  if (!devices.has('tty0')) {
    const firstConsole = result.findIndex((word) => consoleDevice(word) !== null);
    if (firstConsole === -1) result.push(VGA_CONSOLE);
    else result.splice(firstConsole, 0, VGA_CONSOLE);
  }
  if (!devices.has('ttyS0')) result.push(SERIAL_CONSOLE);
  return result;
}

/** True when the words already name both consoles. */
export function hasConsoles(words: string[]): boolean {
  return withConsoles(words).length === words.length;
}

/** `withConsoles` on a text command line, keeping the text untouched when nothing is missing. */
export function cmdlineWithConsoles(cmdline: string): string {
  const words = cmdline.trim().split(/\s+/).filter(Boolean);
  if (hasConsoles(words)) return cmdline;
  const leading = /^\s*/.exec(cmdline)![0];
  const trailing = /\s*$/.exec(cmdline)![0];
  return `${leading}${withConsoles(words).join(' ')}${trailing}`;
}
