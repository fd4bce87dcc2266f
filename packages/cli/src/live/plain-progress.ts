/**
 * Progress as plain lines, for logs, pipes and NO_COLOR terminals: a line
 * when a step (or a deferred action, or its kernel) starts or says something
 * new, and one at every quarter of a step that counts percent. No escape codes.
 */
import type { ProgressEvent } from '@hyper2kvm/core';

/** `» fix initramfs.rebuild kernel 5.15.0-91-generic: rebuilding with initramfs-tools in the appliance` */
function startLine(event: ProgressEvent): string {
  const what = [event.step, event.action, event.kernel === undefined ? undefined : `kernel ${event.kernel}`].filter(Boolean).join(' ');
  return `» ${what}${event.message ? `: ${event.message}` : ''}\n`;
}

export function plainProgressPrinter(write: (text: string) => void): (event: ProgressEvent) => void {
  let lastKey = '';
  let lastMessage: string | undefined;
  /** The last quarter (0-4) printed of each step or disk. */
  const lastQuarter = new Map<string, number>();
  return (event) => {
    if (event.disk === undefined) {
      const key = `${event.step}\u0000${event.action ?? ''}\u0000${event.kernel ?? ''}`;
      // A step's line again when it says something new (the launch: then under which accelerator).
      if (key !== lastKey || (event.message !== undefined && event.message !== lastMessage)) {
        lastKey = key;
        lastMessage = event.message;
        write(startLine(event));
      }
    }
    if (event.percent === undefined) return;
    const key = `${event.step}\u0000${event.disk ?? ''}`;
    const percent = Math.floor(event.percent);
    const quarter = Math.floor(percent / 25);
    if (quarter > (lastQuarter.get(key) ?? -1)) {
      write(`  ${event.step}${event.disk ? ` disk ${event.disk}` : ''}: ${percent}%\n`);
      lastQuarter.set(key, quarter);
    }
  };
}
