/**
 * Opens the VM a user named: the export (read-only behind qcow2 overlays,
 * one libguestfs appliance), or, only when asked with `dir:` (or
 * `--guest-root`), a guest root folder on the host, repaired in place by
 * the directory adapter.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError, type Finding, type GuestFs, type Logger, type OsHints, type ProgressEvent, type RegistryReader, type RegistryWriter, type SourceIntegrity, type VmDescription } from '@hyper2kvm/core';
import type { SourceContainer } from '@hyper2kvm/disk';
import { DirectoryGuest } from '@hyper2kvm/guestfs';

/** The prefix that names a guest root folder as the source. */
export const GUEST_ROOT_PREFIX = 'dir:';

/** What was learnt about the export itself while opening it. */
export interface SourceSummary {
  container: SourceContainer;
  /** Filled in as checksum verification runs (see `VmSession.verified`). */
  integrity: SourceIntegrity;
  /** For the plan and the report: manifest, certificate, snapshots taken. */
  findings: Finding[];
}

export interface VmSession {
  guest: GuestFs;
  /** What the export describes (OVF/VMX/disks); absent for a guest folder. */
  vm?: VmDescription;
  /** The export's container and integrity; absent for a guest folder. */
  source?: SourceSummary;
  /**
   * Settles when the export's checksums are verified (it runs beside the
   * appliance launch); rejects with the mismatch. Await it before writing.
   */
  verified: Promise<SourceIntegrity | undefined>;
  hints: OsHints;
  /** The guest's registry (Windows guests on disks): read by inspect and plan, written by fix. */
  registry?: RegistryReader & RegistryWriter;
  /** Overlays holding the repairs, one per source disk, in disk order. */
  overlays: { path: string; virtualSize: number }[];
  /** Appliance launches this session made (1 for disks, 0 for a folder). */
  applianceLaunches: number;
  /** Wall time per step, in milliseconds. */
  timings: Record<string, number>;
  /** Hands disks back to the host before conversion (sync, trim, shut the appliance). */
  release(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenVmOptions {
  /** Scratch folder for overlays. */
  workDir: string;
  accel?: 'auto' | 'kvm' | 'tcg';
  logger: Logger;
  /**
   * Called once the source disks are known and their overlays exist, before
   * the appliance starts: work that only reads the source (the bulk copy of
   * the conversion) can start here and overlap the repair.
   */
  onDisksReady?: (vm: VmDescription) => void;
  /** Check the export's manifest (default true). */
  verifyChecksums?: boolean;
  /** Progress of unpacking a compressed export. */
  onProgress?: (event: ProgressEvent) => void;
}

export async function openVm(sources: string[], options: OpenVmOptions): Promise<VmSession> {
  if (sources.length === 0) throw new InputError('(no source)', 'name the exported VM: its OVA, OVF, VMX, a folder holding one, or its disk files');
  const roots = sources.filter((source) => source.startsWith(GUEST_ROOT_PREFIX));
  if (roots.length === 0) {
    const { openDiskVm } = await import('./open-disk-vm.js');
    return openDiskVm(sources.map((source) => resolve(source)), options);
  }
  if (sources.length !== 1) throw new InputError(sources.join(', '), 'a guest root folder (dir:) must be the only source');
  const root = resolve(sources[0]!.slice(GUEST_ROOT_PREFIX.length));
  const isFolder = await stat(root).then((stats) => stats.isDirectory(), () => false);
  if (!isFolder) throw new InputError(root, 'is not a folder (dir: names a folder holding a guest root file system)');
  const guest = new DirectoryGuest(root);
  return { guest, hints: {}, overlays: [], applianceLaunches: 0, timings: {}, verified: Promise.resolve(undefined), release: async () => undefined, close: async () => undefined };
}
