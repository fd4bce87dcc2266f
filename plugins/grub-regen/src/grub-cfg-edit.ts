/**
 * grub.cfg edited the way grub-mkconfig would rewrite it for KVM, when that
 * can be done exactly: the consoles on every kernel line and the serial
 * terminal in the header. Saves running the guest's grub-mkconfig in the
 * emulated appliance (20 s and more under TCG); /etc/default/grub carries
 * the same settings, so the guest's next update-grub writes the same.
 */
import { cmdlineWithConsoles } from './console-args.js';
import { unstableRoots } from './root-check.js';

const HEADER_BEGIN = '### BEGIN /etc/grub.d/00_header ###';
const HEADER_END = '### END /etc/grub.d/00_header ###';
const KERNEL_LINE = /^(\s*(?:linux|linux16|linuxefi)\s+\S+)(.*)$/;

/** The edited text, or why grub-mkconfig has to run instead. */
export type GrubCfgEdit = { text: string } | { reason: string };

/**
 * @param text the grub.cfg as planned so far (stable-device-names has already named roots by UUID)
 * @param serial the `serial …` command and terminal the defaults set (GRUB_SERIAL_COMMAND, GRUB_TERMINAL)
 */
export function grubCfgForKvm(text: string, serial: { command: string; terminal: string }): GrubCfgEdit {
  const begin = text.indexOf(HEADER_BEGIN);
  const end = text.indexOf(HEADER_END);
  if (begin === -1 || end < begin) return { reason: 'it has no 00_header section, so grub-mkconfig did not write it' };
  if (/^\s*blscfg\b/m.test(text)) return { reason: 'it reads BLS entries (blscfg)' };
  if (text.includes('$kernelopts')) return { reason: 'its kernel lines read $kernelopts from grubenv' };
  let kernelLines = 0;
  const lines = text.split('\n').map((line) => {
    const match = KERNEL_LINE.exec(line);
    if (!match) return line;
    kernelLines += 1;
    return `${match[1]}${cmdlineWithConsoles(match[2]!)}`;
  });
  if (kernelLines === 0) return { reason: 'it has no linux lines' };
  let edited = lines.join('\n');
  const unstable = unstableRoots(edited);
  if (unstable.length > 0) return { reason: `a kernel line names its root by a disk name (root=${unstable[0]!.root})` };

  // The terminal lines go last in the header, where they win over any terminal set before them.
  const header = edited.slice(edited.indexOf(HEADER_BEGIN), edited.indexOf(HEADER_END));
  const wanted = [serial.command, `terminal_input ${serial.terminal}`, `terminal_output ${serial.terminal}`];
  const headerLines = header.split('\n').map((line) => line.trim());
  const lastTerminal = (command: string): string | undefined => headerLines.filter((line) => line.startsWith(`${command} `)).at(-1);
  const present = headerLines.includes(serial.command) && lastTerminal('terminal_input') === wanted[1] && lastTerminal('terminal_output') === wanted[2];
  if (!present) {
    const at = edited.indexOf(HEADER_END);
    edited = `${edited.slice(0, at)}${wanted.join('\n')}\n${edited.slice(at)}`;
  }
  return { text: edited };
}
