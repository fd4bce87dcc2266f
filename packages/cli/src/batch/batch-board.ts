/**
 * What the live batch display shows, as plain state: the running total and
 * one line per running VM (its step, percent and time so far). No terminal
 * here: the printer draws `lines()`.
 */
import { formatRunning, spinnerFrame } from '../live/format.js';
import type { BatchEvent } from './events.js';

interface RunningVm {
  step: string;
  percent?: number;
  /** Per-disk work beside the step (the bulk copy), by `step disk N`. */
  disks: Map<string, number>;
  since: number;
}

type Outcome = 'converted' | 'skipped' | 'failed' | 'blocked' | 'planned';

export class BatchBoard {
  readonly #running = new Map<string, RunningVm>();
  readonly #done: Record<Outcome, number> = { converted: 0, skipped: 0, failed: 0, blocked: 0, planned: 0 };
  #total = 0;
  readonly #startedAt: number;

  constructor(now: number) {
    this.#startedAt = now;
  }

  apply(event: BatchEvent, now: number): void {
    switch (event.type) {
      case 'batch-start':
        this.#total = event.total;
        break;
      case 'vm-skip':
        this.#done.skipped++;
        break;
      case 'vm-start':
        this.#running.set(event.vm, { step: 'start', disks: new Map(), since: now });
        break;
      case 'vm-progress': {
        const vm = this.#running.get(event.vm);
        if (!vm) break;
        if (event.disk !== undefined) {
          if (event.percent !== undefined) vm.disks.set(`${event.step} disk ${event.disk}`, event.percent);
          break;
        }
        const step = [event.step, event.action, event.kernel === undefined ? undefined : `kernel ${event.kernel}`].filter(Boolean).join(' ');
        if (step !== vm.step) delete vm.percent;
        vm.step = step;
        if (event.percent !== undefined) vm.percent = event.percent;
        break;
      }
      case 'vm-end':
        this.#running.delete(event.vm);
        if (event.status !== 'pending') this.#done[event.status]++;
        break;
      case 'batch-end':
        break;
    }
  }

  /** `batch: 3/10 done, 1 failed, 0 blocked, 2 running, 4 queued — 12 min 05 s`, then a line per running VM. */
  lines(now: number): string[] {
    const done = this.#done.converted + this.#done.skipped + this.#done.planned;
    const queued = Math.max(0, this.#total - done - this.#done.failed - this.#done.blocked - this.#running.size);
    const total = `batch: ${done}/${this.#total} done, ${this.#done.failed} failed, ${this.#done.blocked} blocked, ${this.#running.size} running, ${queued} queued — ${formatRunning(now - this.#startedAt)}`;
    const spinner = spinnerFrame(now);
    const vms = [...this.#running].map(([name, vm]) => {
      const beside = [...vm.disks]
        .filter(([, percent]) => percent < 100)
        .map(([what, percent]) => `${what} ${Math.floor(percent)}%`)
        .join(', ');
      const percent = vm.percent === undefined ? '' : ` ${Math.floor(vm.percent)}%`;
      return `  ${spinner} ${name}: ${vm.step}${percent}${beside ? ` (${beside})` : ''}  ${formatRunning(now - vm.since)}`;
    });
    return [total, ...vms];
  }
}
