/**
 * What the live display shows, as plain state: the step running now, the
 * per-disk work running beside it (the bulk copy overlaps the repair), and
 * the one-line record each finished step leaves. No terminal here: the view
 * draws `lines()` and prints what `apply()` returns.
 */
import type { ProgressEvent } from '@hyper2kvm/core';
import { describeTransfer, formatElapsed, formatRate, formatRunning, spinnerFrame, textBar, transferOf } from './format.js';
import { formatBytes } from '@hyper2kvm/core';

/** Cells of a live line's bar: short, so an 80-column terminal still shows the rate and the ETA after it. */
const LIVE_BAR_CELLS = 12;

/** One step (or one disk's part of it) in progress. */
interface Activity {
  step: string;
  disk?: number;
  action?: string;
  kernel?: string;
  message?: string;
  percent?: number;
  bytesTotal?: number;
  startedAt: number;
}

/** A step is the same step while its name, its deferred action and its kernel stay the same. */
function foregroundKey(event: ProgressEvent): string {
  return `${event.step}\u0000${event.action ?? ''}\u0000${event.kernel ?? ''}`;
}

function title(activity: Activity): string {
  const parts = [activity.step];
  if (activity.disk !== undefined) parts.push(`disk ${activity.disk}`);
  if (activity.action !== undefined) parts.push(activity.action);
  if (activity.kernel !== undefined) parts.push(`kernel ${activity.kernel}`);
  return parts.join(' ');
}

export class ActivityBoard {
  #foreground: (Activity & { key: string }) | undefined;
  readonly #disks = new Map<string, Activity>();
  #vm: string | undefined;

  /** @param vm what to call the VM until an event names it (the source's file name). */
  constructor(vm?: string) {
    this.#vm = vm;
  }

  /** Takes one event; returns the lines of the steps it finished, to print above the live lines. */
  apply(event: ProgressEvent, now: number): string[] {
    if (event.vm !== undefined) this.#vm = event.vm;
    if (event.disk !== undefined) return this.#applyDisk(event, now);
    const finished: string[] = [];
    const key = foregroundKey(event);
    if (this.#foreground?.key !== key) {
      if (this.#foreground) finished.push(this.#finishedLine(this.#foreground, now));
      // A new step ends the per-disk parts of the one before (convert's disks), never the copy running beside it all.
      if (this.#foreground && this.#foreground.step !== event.step)
        finished.push(...this.#finishDisks(now, (activity) => activity.step === this.#foreground!.step));
      this.#foreground = {
        key,
        step: event.step,
        startedAt: now,
        ...(event.action !== undefined ? { action: event.action } : {}),
        ...(event.kernel !== undefined ? { kernel: event.kernel } : {}),
      };
    }
    const current = this.#foreground!;
    if (event.message !== undefined) current.message = event.message;
    if (event.percent !== undefined) current.percent = event.percent;
    if (event.bytesTotal !== undefined) current.bytesTotal = event.bytesTotal;
    return finished;
  }

  #applyDisk(event: ProgressEvent, now: number): string[] {
    const key = `${event.step}\u0000${event.disk}`;
    let activity = this.#disks.get(key);
    if (!activity) {
      activity = { step: event.step, disk: event.disk!, startedAt: now };
      this.#disks.set(key, activity);
    }
    if (event.message !== undefined) activity.message = event.message;
    if (event.percent !== undefined) activity.percent = event.percent;
    if (event.bytesTotal !== undefined) activity.bytesTotal = event.bytesTotal;
    if ((activity.percent ?? 0) < 100) return [];
    this.#disks.delete(key);
    return [this.#finishedLine(activity, now)];
  }

  #finishDisks(now: number, which: (activity: Activity) => boolean): string[] {
    const lines: string[] = [];
    for (const [key, activity] of this.#disks) {
      if (!which(activity)) continue;
      this.#disks.delete(key);
      lines.push(this.#finishedLine(activity, now));
    }
    return lines;
  }

  /** Ends everything still running (the run is over, or failed in it); returns their lines. */
  finishAll(now: number, outcome: 'done' | 'failed' = 'done'): string[] {
    const lines = this.#foreground ? [this.#finishedLine(this.#foreground, now, outcome)] : [];
    this.#foreground = undefined;
    if (outcome === 'done') return [...lines, ...this.#finishDisks(now, () => true)];
    this.#disks.clear();
    return lines;
  }

  /** The live lines: the current step first, then the per-disk work. */
  lines(now: number): string[] {
    const running = [...(this.#foreground ? [this.#foreground] : []), ...this.#disks.values()];
    return running.map((activity) => this.#liveLine(activity, now));
  }

  #who(): string {
    return this.#vm === undefined ? '' : `  ${this.#vm}`;
  }

  #liveLine(activity: Activity, now: number): string {
    const elapsed = now - activity.startedAt;
    const head = `${spinnerFrame(now)} ${title(activity)}${this.#who()}  ${formatRunning(elapsed)}`;
    const parts = [head];
    if (activity.percent !== undefined) {
      parts.push(`${String(Math.floor(activity.percent)).padStart(3)}% ${textBar(activity.percent, LIVE_BAR_CELLS)}`);
      if (activity.bytesTotal !== undefined) parts.push(describeTransfer(transferOf(activity.percent, activity.bytesTotal, elapsed)));
    }
    if (activity.message !== undefined) parts.push(activity.message);
    return parts.join('  ');
  }

  #finishedLine(activity: Activity, now: number, outcome: 'done' | 'failed' = 'done'): string {
    const elapsed = now - activity.startedAt;
    const parts = [`${outcome === 'done' ? '✓' : '✗'} ${title(activity)}${this.#who()}  ${formatElapsed(elapsed)}`];
    if (activity.bytesTotal !== undefined && (activity.percent ?? 0) >= 100 && elapsed > 0) {
      parts.push(`${formatBytes(activity.bytesTotal)} at ${formatRate(activity.bytesTotal / (elapsed / 1000))}`);
    }
    if (activity.message !== undefined) parts.push(activity.message);
    return parts.join('  ');
  }
}
