/**
 * The batch state file: what happened to each VM, written atomically after
 * every change so a killed batch can be resumed. `--resume` trusts a VM only
 * when every output it recorded is still there with the recorded sha256.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '@hyper2kvm/core';
import { sha256File } from './hash.js';

export type BatchVmStatus = 'pending' | 'running' | 'converted' | 'failed' | 'blocked' | 'interrupted';

/** One output file of a converted VM, as it must be found again on resume. */
export interface RecordedOutput {
  path: string;
  bytes: number;
  sha256: string;
}

export interface VmState {
  group: string;
  name: string;
  sources: string[];
  outputDir: string;
  status: BatchVmStatus;
  /** Runs started for this VM, over every resume. */
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  /** Wall time of the last run, milliseconds. */
  ms?: number;
  /** The VM's report.json. */
  report?: string;
  /** Disks and emitted files (libvirt XML) of a converted VM. */
  outputs: RecordedOutput[];
  /** Bytes of the converted disks. */
  diskBytes?: number;
  /** e.g. `Ubuntu 22.04.3 LTS`. */
  os?: string;
  error?: { code: string; message: string };
}

export interface BatchStateDocument {
  version: 1;
  batchFile: string;
  updatedAt: string;
  vms: Record<string, VmState>;
}

/** The state file of a batch; every `save` writes a whole snapshot, one at a time. */
export class BatchState {
  readonly path: string;
  readonly document: BatchStateDocument;
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, document: BatchStateDocument) {
    this.path = path;
    this.document = document;
  }

  /** A new, empty state for `batchFile`. */
  static create(path: string, batchFile: string): BatchState {
    return new BatchState(path, { version: 1, batchFile, updatedAt: new Date().toISOString(), vms: {} });
  }

  /** The state left by an earlier run, or `null` when there is none. */
  static async read(path: string): Promise<BatchState | null> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const document = JSON.parse(text) as BatchStateDocument;
      if (document.version !== 1 || typeof document.vms !== 'object' || document.vms === null) throw new Error('unknown layout');
      return new BatchState(path, document);
    } catch (error) {
      throw new ConfigError([`${path}: not a batch state file this version can read (${(error as Error).message}); move it away to start over`]);
    }
  }

  vm(id: string): VmState | undefined {
    return this.document.vms[id];
  }

  /** Replaces a VM's record and writes the file. */
  async update(id: string, record: VmState): Promise<void> {
    this.document.vms[id] = record;
    await this.save();
  }

  /** Writes the snapshot atomically; concurrent calls queue so no write is lost or torn. */
  save(): Promise<void> {
    const write = async (): Promise<void> => {
      this.document.updatedAt = new Date().toISOString();
      const temporary = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.partial`);
      try {
        await writeFile(temporary, JSON.stringify(this.document, null, 2) + '\n');
        await rename(temporary, this.path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    };
    this.#writing = this.#writing.then(write, write);
    return this.#writing;
  }

  /**
   * Marks running VMs as interrupted and writes synchronously: for signal
   * handlers, where the process exits right after.
   */
  saveInterruptedSync(): void {
    for (const record of Object.values(this.document.vms)) {
      if (record.status === 'running') record.status = 'interrupted';
    }
    this.document.updatedAt = new Date().toISOString();
    const temporary = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.sync.partial`);
    writeFileSync(temporary, JSON.stringify(this.document, null, 2) + '\n');
    renameSync(temporary, this.path);
  }
}

/** Why a recorded VM cannot be skipped, or `null` when every output is intact. */
export async function verifyOutputs(record: VmState): Promise<string | null> {
  if (record.status !== 'converted') return `last status ${record.status}`;
  if (record.outputs.length === 0) return 'no outputs recorded';
  for (const output of record.outputs) {
    let actual: string;
    try {
      actual = await sha256File(output.path);
    } catch {
      return `${output.path} is missing`;
    }
    if (actual !== output.sha256) return `${output.path} changed since it was written (sha256 differs)`;
  }
  return null;
}
