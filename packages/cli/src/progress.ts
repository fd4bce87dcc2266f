/**
 * Progress for people and machines. On a terminal: live lines (a spinner or
 * bar per running step, with the VM, elapsed time, and for conversions bytes,
 * MiB/s and ETA), each finished step leaving one line with its duration.
 * Elsewhere, or with NO_COLOR: plain lines. `--json`: one JSON event per
 * line on stderr. `--quiet`: nothing.
 */
import { Writable } from 'node:stream';
import type { ProgressEvent } from '@hyper2kvm/core';
import { ActivityBoard } from './live/activity-board.js';
import { plainProgressPrinter } from './live/plain-progress.js';
import { TerminalView } from './live/terminal-view.js';
import type { CommandIO } from './output.js';

/** What a command shows its progress through. */
export interface ProgressDisplay {
  /** Hand this to the API as `onProgress`. */
  onProgress(event: ProgressEvent): void;
  /** Where the command's logger writes: above the live lines while they show, else stderr itself. */
  readonly stderr: NodeJS.WritableStream;
  /** Ends the display: the running step's line (✓, or ✗ when `failed`) and the terminal given back. Call it in a `finally`. */
  close(outcome?: 'done' | 'failed'): void;
}

/**
 * Awaits `work` and closes `display` when it settles: ✗ when it rejects or
 * `outcome` calls its result a failure, ✓ otherwise. Resolves or rejects as `work` does.
 */
export async function closeWhenSettled<T>(display: ProgressDisplay, work: Promise<T>, outcome: (value: T) => 'done' | 'failed' = () => 'done'): Promise<T> {
  let value: T;
  try {
    value = await work;
  } catch (error) {
    display.close('failed');
    throw error;
  }
  display.close(outcome(value));
  return value;
}

/**
 * Whether stderr gets live lines: a terminal, and neither NO_COLOR (any
 * value, per no-color.org) nor TERM=dumb, which also ask for no escape codes.
 */
export function wantsLiveProgress(io: Pick<CommandIO, 'interactive' | 'stderr'>, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!io.interactive || (io.stderr as Partial<NodeJS.WriteStream>).isTTY !== true) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return env['TERM'] !== 'dumb';
}

export function progressDisplay(io: CommandIO, options: { json: boolean; quiet: boolean; vm?: string }): ProgressDisplay {
  const direct = { stderr: io.stderr, close: (): void => undefined };
  if (options.json) {
    // Machines get one JSON event per line on stderr, stdout stays the result document.
    return { ...direct, onProgress: (event) => io.stderr.write(JSON.stringify({ type: 'progress', ...event }) + '\n') };
  }
  if (options.quiet) return { ...direct, onProgress: () => undefined };
  if (!wantsLiveProgress(io)) return { ...direct, onProgress: plainProgressPrinter((text) => io.stderr.write(text)) };
  return liveDisplay(io, options.vm);
}

function liveDisplay(io: CommandIO, vm: string | undefined): ProgressDisplay {
  const board = new ActivityBoard(vm);
  const view = new TerminalView(io.stderr, () => board.lines(performance.now()));
  let closed = false;
  let pending = '';
  // Log lines go above the live lines, whole lines at a time.
  const stderr = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      if (closed) {
        io.stderr.write(chunk);
        return callback();
      }
      pending += chunk.toString();
      const cut = pending.lastIndexOf('\n');
      if (cut !== -1) {
        for (const line of pending.slice(0, cut).split('\n')) view.print(line);
        pending = pending.slice(cut + 1);
        view.refresh();
      }
      callback();
    },
  });
  return {
    stderr,
    onProgress: (event) => {
      if (closed) return;
      for (const line of board.apply(event, performance.now())) view.print(line);
      view.refresh();
    },
    close: (outcome = 'done') => {
      if (closed) return;
      for (const line of board.finishAll(performance.now(), outcome)) view.print(line);
      if (pending) view.print(pending);
      closed = true;
      view.stop();
    },
  };
}
