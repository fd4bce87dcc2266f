// Small helpers shared by the bench sections: running commands, timing,
// medians, formatting, and sampling memory of child processes via /proc.
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** Seconds since `start` (a performance.now() value), 0.01 s resolution. */
export function secondsSince(start) {
  return Math.round((performance.now() - start) / 10) / 100;
}

/** Times an async function; returns { seconds, value }. */
export async function time(fn) {
  const start = performance.now();
  const value = await fn();
  return { seconds: secondsSince(start), value };
}

/** fsync(2) of one file. */
export async function fsyncFile(path) {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes back dirty pages (sync) and empties the kernel's page cache (root
 * only) so a measurement reads its input from disk; false when this machine
 * does not allow the drop (the sync still ran).
 */
export async function dropPageCache() {
  await run('sync', []);
  try {
    const handle = await open('/proc/sys/vm/drop_caches', 'w');
    try {
      await handle.writeFile('3\n');
    } finally {
      await handle.close();
    }
    return true;
  } catch {
    return false;
  }
}

export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round(((sorted[mid - 1] + sorted[mid]) / 2) * 1000) / 1000;
}

/**
 * Runs a command (argument array, no shell). Resolves with { stdout, stderr,
 * seconds, code }; rejects with the command line and stderr tail on failure,
 * unless `reject` is false (then a failure resolves too, with its exit code).
 * `quiet: false` echoes its stdout to our stderr as it comes.
 */
export function run(cmd, args, { env, cwd, input, quiet = true, reject: rejectFailure = true } = {}) {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, {
      cwd,
      env: env ? { ...process.env, ...env } : process.env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      if (!quiet) process.stderr.write(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    if (input !== undefined) child.stdin.end(input);
    child.on('error', (error) => reject(new Error(`${cmd}: ${error.message}`)));
    child.on('close', (code, signal) => {
      const seconds = secondsSince(start);
      if (code === 0 || !rejectFailure) resolvePromise({ stdout, stderr, seconds, code: code ?? signal });
      else reject(new Error(`${cmd} ${args.join(' ')}: exit ${code ?? signal}\n${stderr.trim().split('\n').slice(-10).join('\n')}`));
    });
  });
}

/** Whether a program is on PATH (its path, or null). */
export function which(program) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      accessSync(`${dir}/${program}`, constants.X_OK);
      return `${dir}/${program}`;
    } catch {
      // not here
    }
  }
  return null;
}

export const fmtSeconds = (s) => (typeof s === 'number' && Number.isFinite(s) ? s.toFixed(2) : '');
export const MiB = 1024 * 1024;

/**
 * Samples peak memory of processes descending from this one (or whose
 * command line contains one of `match`), grouped by command name, every
 * `intervalMs`. VmHWM is the kernel's own high-water mark of the resident set,
 * so a short-lived peak between two samples is still seen as long as the
 * process is alive at one sample after it.
 */
export class ProcessMemorySampler {
  #timer;
  #match;
  /** comm -> { peakKiB, pids:Set } */
  peaks = new Map();
  samples = 0;

  constructor({ intervalMs = 200, match = [] } = {}) {
    this.intervalMs = intervalMs;
    this.#match = match;
  }

  start() {
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
    this.#timer.unref?.();
    return this;
  }

  stop() {
    clearInterval(this.#timer);
    this.sample();
    return this.result();
  }

  sample() {
    this.samples++;
    const procs = new Map();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        const comm = stat.slice(stat.indexOf('(') + 1, close);
        const ppid = Number(stat.slice(close + 2).split(' ')[1]);
        procs.set(Number(entry), { comm, ppid });
      } catch {
        // exited meanwhile
      }
    }
    const isDescendant = (pid) => {
      for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
        const info = procs.get(p);
        if (!info) return false;
        if (info.ppid === process.pid) return true;
        p = info.ppid;
      }
      return false;
    };
    for (const [pid, { comm }] of procs) {
      if (!/^qemu/.test(comm)) continue;
      let ours = isDescendant(pid);
      if (!ours && this.#match.length > 0) {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          ours = this.#match.some((m) => cmdline.includes(m));
        } catch {
          continue;
        }
      }
      if (!ours) continue;
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
        const peak = Math.max(kib('VmHWM'), kib('VmRSS'));
        const slot = this.peaks.get(comm) ?? { peakKiB: 0, pids: new Set() };
        slot.peakKiB = Math.max(slot.peakKiB, peak);
        slot.pids.add(pid);
        this.peaks.set(comm, slot);
      } catch {
        // exited meanwhile
      }
    }
  }

  result() {
    return Object.fromEntries([...this.peaks].map(([comm, { peakKiB, pids }]) => [comm, { peakMiB: Math.round(peakKiB / 1024), processes: pids.size }]));
  }
}

/** Peak RSS of this Node process so far, MiB (getrusage ru_maxrss). */
export function nodePeakMiB() {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Prints rows as an aligned table. */
export function printTable(title, rows, out = process.stdout) {
  const cells = rows.map((r) => [r.step, r.seconds === undefined ? '' : fmtSeconds(r.seconds), r.detail ?? '']);
  const head = ['step', 'seconds', 'detail'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c) => `  ${String(c[0]).padEnd(widths[0])}  ${String(c[1]).padStart(widths[1])}  ${c[2]}`.trimEnd();
  out.write(`\n${title}\n${line(head)}\n  ${'-'.repeat(widths[0])}  ${'-'.repeat(widths[1])}  ${'-'.repeat(Math.max(6, widths[2]))}\n`);
  for (const c of cells) out.write(`${line(c)}\n`);
}

/** An `onProgress` for migrate() that logs each step once, as it starts. */
export function stepLogger(log, prefix) {
  let last;
  return (event) => {
    if (event.step === last) return;
    last = event.step;
    log(`${prefix}: ${event.step}`);
  };
}
