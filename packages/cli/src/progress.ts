/** Progress for people: one rewritten status line on a terminal, plain lines otherwise. */
import type { ProgressEvent } from '@hyper2kvm/core';
import type { CommandIO } from './output.js';

export function progressPrinter(io: CommandIO, options: { json: boolean; quiet: boolean }): (event: ProgressEvent) => void {
  if (options.json) {
    // Machines get one JSON event per line on stderr, stdout stays the result document.
    return (event) => io.stderr.write(JSON.stringify({ type: 'progress', ...event }) + '\n');
  }
  if (options.quiet) return () => undefined;
  let lastStep = '';
  let lastPercent = -1;
  let started = performance.now();
  return (event) => {
    if (event.step !== lastStep) {
      if (io.interactive && lastStep) io.stderr.write('\n');
      lastStep = event.step;
      lastPercent = -1;
      started = performance.now();
      if (!io.interactive || event.percent === undefined) io.stderr.write(`» ${event.step}${event.message ? `: ${event.message}` : ''}\n`);
    }
    if (event.percent === undefined) return;
    const percent = Math.floor(event.percent);
    if (!io.interactive) {
      if (percent >= lastPercent + 25 || (percent === 100 && lastPercent !== 100))
        io.stderr.write(`  ${event.step}${event.disk ? ` disk ${event.disk}` : ''}: ${percent}%\n`);
      lastPercent = percent;
      return;
    }
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 && percent > 0 ? ` ${(percent / seconds).toFixed(1)} %/s` : '';
    io.stderr.write(
      `\r» ${event.step}${event.disk ? ` disk ${event.disk}` : ''} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}%${rate}  `,
    );
    lastPercent = percent;
  };
}
