/**
 * What opening a VM gives the rest of a run: the guest, what the export
 * describes, and the handles to release. Shared by the openers, so they
 * need not import each other.
 */
import type { Finding, GuestFs, Logger, OsHints, ProgressEvent, RegistryReader, RegistryWriter, SourceIntegrity, VmDescription } from '@hyper2kvm/core';
import type { SourceContainer } from '@hyper2kvm/disk';
import type { LuksKey } from '@hyper2kvm/guestfs';

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
  /** Appliance size (config `appliance`); `vcpus: 'auto'` is resolved by guestfs' applianceVcpus. */
  appliance?: { vcpus: 'auto' | number; memoryMiB: number };
  logger: Logger;
  /**
   * Called once the source disks are known and their overlays exist, before
   * the appliance starts: work that only reads the source (the bulk copy of
   * the conversion) can start here and overlap the repair.
   */
  onDisksReady?: (vm: VmDescription) => void;
  /** Check the export's manifest (default true). */
  verifyChecksums?: boolean;
  /** Keys for the guest's LUKS volumes. */
  luksKeys?: readonly LuksKey[];
  /** Progress of unpacking a compressed export. */
  onProgress?: (event: ProgressEvent) => void;
}
