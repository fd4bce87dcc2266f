/**
 * Console arguments on the kernel lines of configs that are not generated:
 * grub1 `kernel` lines, extlinux `APPEND` lines, BLS `options` lines and
 * `/etc/kernel/cmdline`.
 */
import { cmdlineWithConsoles, withConsoles } from './console-args.js';

/**
 * Adds the consoles to the arguments after `keyword` on each matching line
 * (case-insensitive), keeping the keyword, its spacing and the other lines.
 * @param skipArgsFrom the first word after the keyword is a path, not an argument (grub1 `kernel /vmlinuz …`)
 */
function editLines(text: string, keyword: string, skipArgsFrom: boolean, skip: (line: string) => boolean = () => false): string {
  const pattern = new RegExp(`^(\\s*${keyword}\\s+${skipArgsFrom ? '\\S+' : ''})(.*)$`, 'i');
  return text
    .split('\n')
    .map((line) => {
      const match = pattern.exec(line);
      if (!match || skip(line)) return line;
      const args = match[2]!;
      if (args.trim() === '') return `${match[1]!.trimEnd()} ${withConsoles([]).join(' ')}`;
      return `${match[1]}${cmdlineWithConsoles(args)}`;
    })
    .join('\n');
}

/** grub1 (`menu.lst`, `grub.conf`): `kernel /vmlinuz-… root=… ro`. */
export function grub1WithConsoles(text: string): string {
  return editLines(text, 'kernel', true);
}

/** extlinux/syslinux: `APPEND root=… ro`. */
export function extlinuxWithConsoles(text: string): string {
  return editLines(text, 'append', false);
}

/**
 * BLS entry: `options root=… ro`. An entry reading `$kernelopts` (RHEL 8)
 * takes its arguments from grubenv, which grub2-mkconfig writes from
 * GRUB_CMDLINE_LINUX: it is left alone.
 */
export function blsEntryWithConsoles(text: string): string {
  return editLines(text, 'options', false, (line) => line.includes('$kernelopts'));
}

/** `/etc/kernel/cmdline`: one line, used by kernel-install for new kernels. */
export function kernelCmdlineWithConsoles(text: string): string {
  return cmdlineWithConsoles(text);
}
