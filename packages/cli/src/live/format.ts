/** Numbers of the live progress display, as people read them: durations, throughput, ETA. */
import { formatBytes } from '@hyper2kvm/core';

const MIB = 1024 * 1024;

/** A step's duration: `0.4 s`, `25.1 s`, `2 min 05 s`, `1 h 02 min`. */
export function formatElapsed(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 60_000) return `${(safe / 1000).toFixed(1)} s`;
  const seconds = Math.round(safe / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`;
}

/** The time a running step has taken so far, whole seconds (a live line changes once a second, not ten times). */
export function formatRunning(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  return seconds < 60 ? `${seconds} s` : formatElapsed(seconds * 1000);
}

/** Throughput in MiB/s: `85.2 MiB/s`, `1234 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  const mib = bytesPerSecond / MIB;
  return `${mib.toFixed(mib >= 1000 ? 0 : 1)} MiB/s`;
}

/** What is left, as `ETA 7 s`, `ETA 3 min 20 s`; `ETA ?` before there is a rate to go by. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return 'ETA ?';
  return `ETA ${formatRunning(Math.ceil(Math.max(0, seconds)) * 1000)}`;
}

/** Where a transfer of `total` bytes stands after `elapsedMs` at `percent`. */
export interface Transfer {
  done: number;
  total: number;
  /** Bytes per second so far; undefined until some bytes moved in measurable time. */
  rate?: number;
  /** Seconds left at that rate. */
  etaSeconds?: number;
}

/** Bytes done, average throughput and time left of a transfer known only by its percentage (qemu-img -p) and its size. */
export function transferOf(percent: number, total: number, elapsedMs: number): Transfer {
  const done = Math.round((Math.min(100, Math.max(0, percent)) / 100) * total);
  if (done <= 0 || elapsedMs <= 0) return { done, total };
  const rate = done / (elapsedMs / 1000);
  return { done, total, rate, etaSeconds: (total - done) / rate };
}

/** `460 MiB / 1.0 GiB  85.2 MiB/s  ETA 7 s` */
export function describeTransfer(transfer: Transfer): string {
  return `${formatBytes(transfer.done)} / ${formatBytes(transfer.total)}  ${transfer.rate === undefined ? '? MiB/s' : formatRate(transfer.rate)}  ${formatEta(transfer.etaSeconds)}`;
}

/** A text bar of `width` cells: `[#########...........]`. */
export function textBar(percent: number, width = 20): string {
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The spinner's frame at a given time (it turns whether or not events arrive, so a live step visibly moves). */
export function spinnerFrame(nowMs: number): string {
  return SPINNER[Math.floor(nowMs / 100) % SPINNER.length]!;
}
