/** What the source openers share: the scratch folder, the options of one opening, the pieces of a description. */
import { InputError, type Finding, type VmDescription, type VmDiskDescription } from '@hyper2kvm/core';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PackageContainer } from './export-package.js';
import type { IntegrityPlan } from './integrity.js';
import type { OvfDisk } from './ovf.js';
import type { ImageProbe } from './probe.js';
import type { UnpackProgress } from './unpack.js';

/** Descriptors larger than this are not OVF or VMX files. */
export const MAX_DESCRIPTOR_BYTES = 16 * 1024 * 1024;

/** How the source was stored. */
export type SourceContainer = PackageContainer | 'vmx' | 'disks';

/** An opened source: the VM it describes and what else was learnt on the way. */
export interface OpenedSource {
  vm: VmDescription;
  container: SourceContainer;
  /** The manifest check; `verify()` reads the files (start it early, it overlaps other work). */
  integrity: IntegrityPlan;
  /** What the plan and report should say about the export itself (manifest, certificate, snapshots taken). */
  findings: Finding[];
  /** Removes the scratch copies. The disks must no longer be read afterwards. */
  dispose(): Promise<void>;
}

/** A scratch folder handed out lazily: nothing is created for sources read in place. */
export class Scratch {
  readonly #given: string | undefined;
  #folder: string | undefined;
  #count = 0;

  constructor(given: string | undefined) {
    this.#given = given;
  }

  /** A fresh folder for one unpacked copy. */
  async folder(what: string): Promise<string> {
    if (this.#folder === undefined) {
      if (this.#given !== undefined) await mkdir(this.#given, { recursive: true });
      this.#folder = await mkdtemp(join(this.#given ?? tmpdir(), 'hyper2kvm-source-'));
    }
    this.#count += 1;
    const folder = join(this.#folder, `${this.#count}-${what.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40)}`);
    await mkdir(folder, { recursive: true });
    return folder;
  }

  async dispose(): Promise<void> {
    if (this.#folder !== undefined) await rm(this.#folder, { recursive: true, force: true });
  }
}

export interface OpenContext {
  scratch: Scratch;
  verifyChecksums: boolean;
  progress: UnpackProgress;
  describeOnly: boolean;
}

export const NO_PACKAGE: IntegrityPlan = {
  summary: { verification: 'none', checks: [] },
  findings: [],
  bytesToRead: 0,
  verify: async () => ({ verification: 'none', checks: [] }),
};

export type Opened = Omit<OpenedSource, 'dispose'>;

export function diskFrom(path: string, probe: ImageProbe, ovfDisk?: OvfDisk): VmDiskDescription {
  const disk: VmDiskDescription = { path, format: probe.format, virtualSize: probe.virtualSize };
  if (ovfDisk !== undefined) {
    disk.controller = ovfDisk.controller;
    if (ovfDisk.address !== undefined) disk.address = ovfDisk.address;
  }
  if (probe.chain !== undefined && probe.chain.length > 1) disk.chain = probe.chain;
  return disk;
}

/** Size of a file that must exist; otherwise an InputError against `shown`. */
export async function requireDiskFile(absolute: string, shown: string, what: string): Promise<number> {
  try {
    const stats = await stat(absolute);
    if (!stats.isFile()) throw new InputError(shown, `${what} is not a regular file`);
    return stats.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(shown, what === 'file' ? 'no such file' : `${what} is missing`, { cause: error });
  }
}
