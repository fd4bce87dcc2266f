/**
 * Batch progress for people. On a terminal, a block of lines redrawn in
 * place: the counts, then one line per running VM with its step. Elsewhere,
 * one plain line per VM start, step change and end.
 */
import type { CommandIO } from '../output.js';
import type { BatchEvent } from './events.js';
import { formatDuration } from './summary.js';

interface Running {
  step: string;
  percent?: number;
  since: number;
}

export function batchProgressPrinter(io: CommandIO, options: { json: boolean; quiet: boolean }): (event: BatchEvent) => void {
  if (options.json) return (event) => io.stderr.write(JSON.stringify(event) + '\n');
  if (options.quiet) return () => undefined;
  const running = new Map<string, Running>();
  const done = { converted: 0, skipped: 0, failed: 0, blocked: 0, planned: 0 };
  let total = 0;
  let drawnLines = 0;
  let lastDraw = 0;
  const batchStart = performance.now();

  const draw = (force: boolean): void => {
    const now = performance.now();
    if (!force && now - lastDraw < 200) return;
    lastDraw = now;
    const finished = done.converted + done.skipped + done.planned;
    const lines = [
      `batch: ${finished}/${total} done, ${running.size} running, ${done.failed} failed, ${done.blocked} blocked, ${total - finished - running.size - done.failed - done.blocked} waiting — ${formatDuration(now - batchStart)}`,
      ...[...running].map(
        ([vm, state]) => `  ${vm}: ${state.step}${state.percent !== undefined ? ` ${Math.floor(state.percent)}%` : ''} (${formatDuration(now - state.since)})`,
      ),
    ];
    const width = (io.stderr as NodeJS.WriteStream).columns ?? 120;
    const move = drawnLines > 0 ? `\x1b[${drawnLines}F` : '';
    io.stderr.write(`${move}\x1b[J${lines.map((line) => line.slice(0, width - 1)).join('\n')}\n`);
    drawnLines = lines.length;
  };
  /** Prints a permanent line above the redrawn block. */
  const say = (line: string): void => {
    if (io.interactive) {
      if (drawnLines > 0) io.stderr.write(`\x1b[${drawnLines}F\x1b[J`);
      drawnLines = 0;
      io.stderr.write(line + '\n');
      draw(true);
    } else io.stderr.write(line + '\n');
  };

  return (event) => {
    switch (event.type) {
      case 'batch-start':
        total = event.total;
        say(
          `batch: ${event.total} VM(s), ${event.toRun} to ${event.dryRun ? 'plan' : 'run'}${event.skipped ? `, ${event.skipped} already converted` : ''}; at most ${event.parallel ?? "each group's parallel"} at once; stages ${event.stages.map((stage) => stage.join(' + ')).join(' → ')}`,
        );
        for (const warning of event.warnings) say(`warning: ${warning}`);
        break;
      case 'vm-skip':
        done.skipped++;
        say(`= ${event.vm}: skipped (${event.reason})`);
        break;
      case 'vm-start':
        running.set(event.vm, { step: 'start', since: performance.now() });
        say(`» ${event.vm}: started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`);
        break;
      case 'vm-progress': {
        const state = running.get(event.vm);
        if (!state) break;
        const changed = state.step !== event.step;
        state.step = event.step;
        if (event.percent === undefined) delete state.percent;
        else state.percent = event.percent;
        if (io.interactive) draw(changed);
        else if (changed) io.stderr.write(`  ${event.vm}: ${event.step}\n`);
        break;
      }
      case 'vm-end':
        running.delete(event.vm);
        if (event.status !== 'pending') done[event.status]++;
        say(
          `${event.status === 'converted' || event.status === 'planned' ? '✓' : '✗'} ${event.vm}: ${event.status} in ${formatDuration(event.ms)}${event.error ? ` — ${event.error}` : ''}`,
        );
        break;
      case 'batch-end':
        if (io.interactive && drawnLines > 0) draw(true);
        break;
    }
  };
}
