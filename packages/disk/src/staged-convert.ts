/**
 * Conversion in two stages, so the bulk copy overlaps the repair.
 *
 * Stage one converts the read-only source while the appliance inspects and
 * repairs the overlay. Stage two folds the overlay's few changed clusters
 * into that output (`qemu-img rebase -u` then `commit`) and finalises it.
 * The result reads exactly like a conversion of the repaired overlay, but
 * the step after the repair costs the size of the changes, not of the disk.
 * (Converting a qcow2 overlay the appliance wrote to is also much slower
 * than converting the source: qemu-img queries block status per source
 * grain through the overlay's L2 tables.)
 */
import { rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Hyper2kvmError, type VmDiskDescription } from '@hyper2kvm/core';
import { convertDisk, finalizeOutput, fsyncFile, type ConvertOptions, type ConvertResult, type OutputFormat } from './convert.js';
import { qemuFilename } from './qemu-filename.js';
import { runQemuImg } from './qemu-img.js';

export interface StagedConversionOptions {
  /** The source disk the overlay is backed by. */
  source: VmDiskDescription;
  /** Final output path. */
  to: string;
  format: OutputFormat;
  compress?: boolean;
  parallel?: ConvertOptions['parallel'];
  /** Progress of stage one (the bulk copy). */
  onProgress?(percent: number): void;
}

/** Timings of both stages, ms. */
export interface StagedTimings {
  /** Stage one, overlapped with the repair. */
  copy: number;
  /** fsync of stage one's output, overlapped with the repair. */
  copySync: number;
  /** How long finish() still had to wait for that fsync. */
  copySyncWait: number;
  /** Stage two: rebase + commit of the overlay's changes. */
  commit: number;
  sync: number;
  checksum: number;
}

export class StagedConversion {
  readonly #options: StagedConversionOptions;
  readonly #abort = new AbortController();
  readonly #copy: Promise<ConvertResult>;
  /** fsync of stage one's output, started when the copy ends (ms it took). */
  readonly #copySynced: Promise<number>;
  readonly #partial: string;
  #settled = false;

  private constructor(options: StagedConversionOptions) {
    this.#options = options;
    this.#partial = `${resolve(options.to)}.partial`;
    this.#copy = convertDisk({
      from: qemuFilename(options.source),
      fromFormat: options.source.format,
      to: options.to,
      format: options.format,
      ...(options.compress === undefined ? {} : { compress: options.compress }),
      ...(options.parallel ? { parallel: options.parallel } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      signal: this.#abort.signal,
      keepPartial: true,
    });
    // Flushing the bulk copy while the repair still runs takes the flush off
    // the step after the repair: the commit then only flushes its few clusters.
    this.#copySynced = this.#copy.then(() => fsyncFile(this.#partial));
    // A failure surfaces in finish(); until then it must not be an unhandled rejection.
    this.#copy.catch(() => undefined);
    this.#copySynced.catch(() => undefined);
  }

  /** Starts stage one now. */
  static start(options: StagedConversionOptions): StagedConversion {
    return new StagedConversion(options);
  }

  /**
   * Waits for stage one, folds the repaired overlay's changes into the
   * output and renames it into place. The overlay must be closed (appliance
   * shut down); its backing file is re-pointed at the output.
   */
  async finish(overlayPath: string, options: { checksum?: boolean } = {}): Promise<ConvertResult & { stagedTimings: StagedTimings }> {
    const copy = await this.#copy;
    const target = resolve(this.#options.to);
    const started = performance.now();
    try {
      const copySync = await this.#copySynced;
      const waited = Math.round(performance.now() - started);
      // The output holds the same data as the source, so the overlay reads identically on top of it.
      await runQemuImg(['rebase', '-u', '-f', 'qcow2', '-b', this.#partial, '-F', this.#options.format, overlayPath]);
      await runQemuImg(['commit', '-f', 'qcow2', '-d', overlayPath]);
      const commit = Math.round(performance.now() - started) - waited;
      const finished = await finalizeOutput(this.#partial, target, {
        ...(options.checksum === undefined ? {} : { checksum: options.checksum }),
        signal: this.#abort.signal,
      });
      this.#settled = true;
      const stats = await stat(target);
      return {
        path: target,
        format: this.#options.format,
        bytes: stats.blocks * 512,
        sha256: finished.sha256,
        timings: { qemuImg: copy.timings.qemuImg + commit, sync: finished.sync, checksum: finished.checksum },
        stagedTimings: { copy: copy.timings.qemuImg, copySync, copySyncWait: waited, commit, sync: finished.sync, checksum: finished.checksum },
      };
    } catch (error) {
      await this.cancel();
      if (error instanceof Hyper2kvmError) throw error;
      throw new Hyper2kvmError(
        'CONVERT_FAILED',
        `${overlayPath}: folding the repairs into ${target} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  /** Stops stage one if it still runs and removes the partial output. Idempotent. */
  async cancel(): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    this.#abort.abort();
    await this.#copy.catch(() => undefined);
    await rm(this.#partial, { force: true });
  }
}
