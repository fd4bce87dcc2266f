/**
 * Batch progress for people. On a terminal, live lines at the bottom (the
 * running total, then one line per running VM with its step, percent and
 * time), redrawn by the terminal library, with a permanent line per VM start
 * and end above them. Elsewhere (or with NO_COLOR), one plain line per VM
 * start, step change and end.
 */
import { TerminalView } from '../live/terminal-view.js';
import type { CommandIO } from '../output.js';
import { wantsLiveProgress } from '../progress.js';
import { BatchBoard } from './batch-board.js';
import type { BatchEvent } from './events.js';
import { formatDuration } from './summary.js';

/** What `batch` shows its progress through. */
export interface BatchDisplay {
  onEvent(event: BatchEvent): void;
  /** Ends the live lines (call it in a `finally`: the display's timer would keep the process alive). */
  close(): void;
}

/** The permanent line an event leaves, if any. */
function eventLine(event: BatchEvent): string[] {
  switch (event.type) {
    case 'batch-start':
      return [
        `batch: ${event.total} VM(s), ${event.toRun} to ${event.dryRun ? 'plan' : 'run'}${event.skipped ? `, ${event.skipped} already converted` : ''}; at most ${event.parallel ?? "each group's parallel"} at once; stages ${event.stages.map((stage) => stage.join(' + ')).join(' → ')}`,
        ...event.warnings.map((warning) => `warning: ${warning}`),
      ];
    case 'vm-skip':
      return [`= ${event.vm}: skipped (${event.reason})`];
    case 'vm-start':
      return [`» ${event.vm}: started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`];
    case 'vm-end':
      return [
        `${event.status === 'converted' || event.status === 'planned' ? '✓' : '✗'} ${event.vm}: ${event.status} in ${formatDuration(event.ms)}${event.error ? ` — ${event.error}` : ''}`,
      ];
    default:
      return [];
  }
}

export function batchProgressPrinter(io: CommandIO, options: { json: boolean; quiet: boolean }): BatchDisplay {
  const none = (): void => undefined;
  if (options.json) return { onEvent: (event) => io.stderr.write(JSON.stringify(event) + '\n'), close: none };
  if (options.quiet) return { onEvent: none, close: none };
  if (!wantsLiveProgress(io)) {
    const steps = new Map<string, string>();
    return {
      onEvent: (event) => {
        for (const line of eventLine(event)) io.stderr.write(line + '\n');
        if (event.type !== 'vm-progress' || event.disk !== undefined || steps.get(event.vm) === event.step) return;
        steps.set(event.vm, event.step);
        io.stderr.write(`  ${event.vm}: ${event.step}\n`);
      },
      close: none,
    };
  }
  const board = new BatchBoard(performance.now());
  let view: TerminalView | undefined;
  return {
    onEvent: (event) => {
      board.apply(event, performance.now());
      view ??= new TerminalView(io.stderr, () => board.lines(performance.now()));
      for (const line of eventLine(event)) view.print(line);
      if (event.type === 'batch-end') {
        view.stop();
        return;
      }
      view.refresh();
    },
    close: () => view?.stop(),
  };
}
