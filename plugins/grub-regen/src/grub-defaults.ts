/** Edits of `/etc/default/grub` (and its `grub.d` drop-ins) before grub-mkconfig runs. */
import { withConsoles } from './console-args.js';
import { appendLines, findAssignment, removeAssignments, setVariable } from './shell-variables.js';

/** The first serial port at 115200 8N1, as KVM's serial console expects. */
export const GRUB_SERIAL_COMMAND = 'serial --speed=115200 --unit=0 --word=8 --parity=no --stop=1';
export const GRUB_TERMINAL = 'serial console';
const COMMENT = 'Added by hyper2kvm: a usable serial console on KVM.';

/**
 * Drops `GRUB_DISABLE_LINUX_UUID=true`: with it, grub-mkconfig run inside
 * the appliance would write the appliance's disk name as `root=`.
 */
export function allowLinuxUuids(text: string): string {
  return removeAssignments(text, 'GRUB_DISABLE_LINUX_UUID', /^true$/i);
}

/**
 * Makes the grub menu and the kernel use the serial console as well as the
 * screen. `defineMissing` adds the variables that are not set (for
 * `/etc/default/grub` itself); without it only variables the file already
 * sets are edited (a `grub.d` drop-in overriding the main file).
 */
export function withSerialConsole(text: string, defineMissing: boolean): string {
  let out = text;
  const added: string[] = [];

  const cmdline = findAssignment(out, 'GRUB_CMDLINE_LINUX');
  const defaults = findAssignment(out, 'GRUB_CMDLINE_LINUX_DEFAULT');
  const words = (cmdline?.value ?? '').split(/\s+/).filter(Boolean);
  const wanted = withConsoles(words, (defaults?.value ?? '').split(/\s+/).filter(Boolean));
  if (wanted.length > words.length) {
    if (cmdline) out = setVariable(out, 'GRUB_CMDLINE_LINUX', wanted.join(' '), COMMENT);
    else if (defineMissing) added.push(`GRUB_CMDLINE_LINUX="${wanted.join(' ')}"`);
  }

  const terminal = findAssignment(out, 'GRUB_TERMINAL');
  if (terminal && !terminal.value.split(/\s+/).includes('serial')) out = setVariable(out, 'GRUB_TERMINAL', GRUB_TERMINAL, COMMENT);
  else if (!terminal && defineMissing) added.push(`GRUB_TERMINAL="${GRUB_TERMINAL}"`);

  if (!findAssignment(out, 'GRUB_SERIAL_COMMAND') && defineMissing) added.push(`GRUB_SERIAL_COMMAND="${GRUB_SERIAL_COMMAND}"`);

  return added.length > 0 ? appendLines(out, COMMENT, added) : out;
}
