import { Hyper2kvmError } from '@hyper2kvm/core';
import { execa, ExecaError } from 'execa';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { sha256File } from './hash.js';
import { qemuErrorReason } from './qemu-img.js';
import { translateQemuError } from './qemu-messages.js';

/** Output formats hyper2kvm writes. */
export type OutputFormat = 'qcow2' | 'raw';

/** Options for {@link convertDisk}. */
export interface ConvertOptions {
  /** Image to read (normally the overlay). */
  from: string;
  /** Its format; an overlay is `qcow2`. */
  fromFormat: string;
  /** Final output path; nothing exists under this name until the conversion succeeded. */
  to: string;
  format: OutputFormat;
  /** qcow2 only: compress clusters with zstd. */
  compress?: boolean;
  parallel?: {
    /** qemu-img `-m`: coroutines copying at once (1–16, default 8). */
    coroutines?: number;
    /**
     * qemu-img `-W`: let writes land out of order. Safe here because the
     * target is always a fresh local file that nobody reads until the rename;
     * it only changes the order qcow2 clusters are laid out. Default true.
     */
    outOfOrder?: boolean;
  };
  /** Called with the percentage qemu-img reports (0–100), increasing. */
  onProgress?(percent: number): void;
  /** Compute the output's SHA-256 (default true); false leaves `sha256` empty. */
  checksum?: boolean;
  /** Aborting kills qemu-img and removes the partial output. */
  signal?: AbortSignal;
  /**
   * Stop after qemu-img: leave the output as `<to>.partial` (no fsync, no
   * checksum, no rename) for a later step to complete with {@link finalizeOutput}.
   */
  keepPartial?: boolean;
}

/** What a conversion produced. */
export interface ConvertResult {
  path: string;
  format: OutputFormat;
  /** Bytes the output occupies on disk (allocated blocks, so sparse areas do not count). */
  bytes: number;
  /** SHA-256 of the output file, hex ('' when `checksum: false`). */
  sha256: string;
  /** Wall time of each phase, ms: qemu-img, then fsync and checksum (run at the same time). */
  timings: { qemuImg: number; sync: number; checksum: number };
}

const PROGRESS = /\((\d+(?:\.\d+)?)\/100%\)/g;

/**
 * Converts an image with `qemu-img convert`: qcow2 (compat 1.1, optionally
 * zstd-compressed) or raw, sparse (`-S 4k`: zero runs are not written),
 * parallel. Writes to `<to>.partial` and renames only after qemu-img
 * succeeded, so a failed, aborted or killed run never leaves a file under the
 * final name.
 */
export async function convertDisk(options: ConvertOptions): Promise<ConvertResult> {
  const target = resolve(options.to);
  const partial = `${target}.partial`;
  // qemu `json:` pseudo-filenames (OVA members) are not paths.
  const args = convertArguments(options, options.from.startsWith('json:') ? options.from : resolve(options.from), partial);
  const failure = (message: string, cause?: unknown): Hyper2kvmError =>
    new Hyper2kvmError('CONVERT_FAILED', `${options.from}: conversion to ${target} failed: ${message}`, { cause });

  await stat(dirname(target)).catch((error: unknown) => {
    throw failure(`output folder ${dirname(target)} does not exist`, error);
  });
  const subprocess = execa('qemu-img', args, {
    stdin: 'ignore',
    buffer: { stdout: false, stderr: true },
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
  });
  let lastPercent = -1;
  let pending = '';
  subprocess.stdout.setEncoding('utf8');
  subprocess.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const cut = Math.max(pending.lastIndexOf('\r'), pending.lastIndexOf('\n'));
    if (cut === -1) return;
    const complete = pending.slice(0, cut);
    pending = pending.slice(cut + 1);
    for (const match of complete.matchAll(PROGRESS)) {
      const percent = Number(match[1]);
      if (percent > lastPercent) {
        lastPercent = percent;
        options.onProgress?.(percent);
      }
    }
  });

  const timings = { qemuImg: 0, sync: 0, checksum: 0 };
  const since = (start: number): number => Math.round(performance.now() - start);
  let sha256 = '';
  try {
    const started = performance.now();
    await subprocess;
    timings.qemuImg = since(started);
    if (options.signal?.aborted) throw new Hyper2kvmError('CONVERT_ABORTED', `${options.from}: conversion aborted`);
    if (options.keepPartial === true) {
      const stats = await stat(partial);
      return { path: partial, format: options.format, bytes: stats.blocks * 512, sha256: '', timings };
    }
    const finished = await finalizeOutput(partial, target, options);
    sha256 = finished.sha256;
    timings.sync = finished.sync;
    timings.checksum = finished.checksum;
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof Hyper2kvmError) throw error;
    if (options.signal?.aborted) throw new Hyper2kvmError('CONVERT_ABORTED', `${options.from}: conversion aborted`, { cause: error });
    if (error instanceof ExecaError) {
      const stderr = String(error.stderr ?? '');
      const reason = error.signal === undefined ? (translateQemuError(stderr) ?? qemuErrorReason(stderr)) : `qemu-img was killed by ${error.signal}`;
      throw failure(reason || `qemu-img exited with code ${error.exitCode ?? 'unknown'}`, error);
    }
    throw failure(String(error), error);
  }
  const stats = await stat(target);
  return { path: target, format: options.format, bytes: stats.blocks * 512, sha256, timings };
}

/**
 * Makes a finished `.partial` output final: fsync (data on disk before the
 * name says it is complete) and checksum at the same time, then rename.
 */
export async function finalizeOutput(
  partial: string,
  target: string,
  options: { checksum?: boolean; signal?: AbortSignal } = {},
): Promise<{ sha256: string; sync: number; checksum: number }> {
  const since = (start: number): number => Math.round(performance.now() - start);
  const result = { sha256: '', sync: 0, checksum: 0 };
  const sync = async (): Promise<void> => {
    result.sync = await fsyncFile(partial);
  };
  const hash = async (): Promise<void> => {
    if (options.checksum === false) return;
    const start = performance.now();
    result.sha256 = await sha256File(partial, options.signal);
    result.checksum = since(start);
  };
  await Promise.all([sync(), hash()]);
  await rename(partial, target);
  return result;
}

/** fsync of one file; returns the ms it took. */
export async function fsyncFile(path: string): Promise<number> {
  const start = performance.now();
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return Math.round(performance.now() - start);
}

/** The qemu-img command line for a conversion (exported for logs and tests). */
export function convertArguments(options: ConvertOptions, from: string, to: string): string[] {
  const coroutines = options.parallel?.coroutines ?? 8;
  if (!Number.isInteger(coroutines) || coroutines < 1 || coroutines > 16) {
    throw new Hyper2kvmError('CONVERT_OPTIONS', `coroutines must be an integer from 1 to 16 (got ${coroutines})`);
  }
  if (options.compress === true && options.format !== 'qcow2') {
    throw new Hyper2kvmError('CONVERT_OPTIONS', 'compression needs qcow2 output');
  }
  const args = ['convert', '-p', '-f', options.fromFormat, '-O', options.format];
  if (options.format === 'qcow2') {
    args.push('-o', options.compress === true ? 'compat=1.1,compression_type=zstd' : 'compat=1.1');
    if (options.compress === true) args.push('-c');
  }
  args.push('-m', String(coroutines));
  if (options.parallel?.outOfOrder ?? true) args.push('-W');
  args.push('-S', '4k', from, to);
  return args;
}
