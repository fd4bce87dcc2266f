/** What each lifecycle hook hands to the plugins that tap it. */
import type { Logger } from 'pino';
import type { GuestFacts } from '../facts.js';
import type { GuestFs } from '../guest/guestfs.js';
import type { ActionRequest, Finding, Plan } from '../plan/changes.js';
import type { PlanApi } from '../plan/plan-builder.js';
import type { NetworkMap } from '../network/network-map.js';

export interface InspectContext {
  /** Full guest access; inspection must not write. */
  readonly guest: GuestFs;
  /** Facts found so far; plugins add theirs (under `extensions` for their own kinds). */
  readonly facts: GuestFacts;
  readonly logger: Logger;
}

export interface PlanContext extends PlanApi {
  readonly facts: GuestFacts;
  readonly logger: Logger;
}

export interface FixContext {
  /** Writable guest (the overlay). File changes of the plan are already applied. */
  readonly guest: GuestFs;
  readonly facts: GuestFacts;
  readonly plan: Plan;
  /** Folder where originals of changed files are kept. */
  readonly backupDir: string;
  readonly logger: Logger;
}

export interface ActionContext {
  readonly guest: GuestFs;
  readonly facts: GuestFacts;
  /** The merged request: who asked and with which parameters. */
  readonly request: ActionRequest;
  /** The plan being applied; its file changes are already on the guest. */
  readonly plan: Plan;
  /**
   * Records what the action did or could not do as a finding of the plan,
   * so the run report shows it. The engine fills `plugin` with the provider's
   * name. A failure that must stop the run is thrown, not reported.
   */
  report(finding: Omit<Finding, 'plugin'>, plugin?: string): void;
  /**
   * Says what the action is doing now, for the progress display (e.g. which
   * kernel's initramfs it rebuilds). The engine fills `step` and `action`.
   */
  progress(update: ActionProgress): void;
  readonly logger: Logger;
}

/** What a deferred action tells while it runs (see {@link ActionContext.progress}). */
export interface ActionProgress {
  /** The kernel version the action works on now, when it works per kernel. */
  kernel?: string;
  /** What it does, in a few words (`rebuilding with update-initramfs`). */
  message?: string;
  /** 0-100 when known. */
  percent?: number;
}

/** A disk to convert: the repaired overlay and where its output goes. */
export interface ConvertJob {
  index: number;
  overlayPath: string;
  outputPath: string;
}

/** A converted disk as emit plugins and the report see it. */
export interface OutputDisk {
  index: number;
  path: string;
  format: 'qcow2' | 'raw';
  bytes: number;
  virtualSize: number;
  /** SHA-256 of the file, hex; present when checksums were asked for (`output.checksum`, `--checksum`). */
  sha256?: string;
}

/**
 * A step of a run telling it is alive. A new `step` (with its `action` and
 * `kernel`) ends the previous one; events with a `disk` are that disk's part
 * of a step and may run beside the others (the bulk copy beside the repair).
 */
export interface ProgressEvent {
  /** `open`, `launch`, `inspect`, `plan`, `fix`, `copy`, `convert`, `emit`, `verify`, … */
  step: string;
  /** 0-100 when known. */
  percent?: number;
  message?: string;
  /** 1-based disk number, for per-disk work (conversion). */
  disk?: number;
  /** The VM's name, once it is known. */
  vm?: string;
  /** During `fix`: the deferred action running (`initramfs.rebuild`, `grub.mkconfig`). */
  action?: string;
  /** During a deferred action: the kernel it works on. */
  kernel?: string;
  /** Bytes the step handles in all (a disk's virtual size); with `percent`, bytes done and throughput follow. */
  bytesTotal?: number;
}

export interface ConvertContext {
  readonly facts: GuestFacts;
  readonly jobs: ConvertJob[];
  readonly format: 'qcow2' | 'raw';
  readonly compress: boolean;
  /** Disks converted so far; the converter tap fills it. */
  readonly outputs: OutputDisk[];
  progress(event: ProgressEvent): void;
  readonly logger: Logger;
}

/** A file written by an emit plugin into the output folder. */
export interface EmittedFile {
  path: string;
  plugin: string;
  description: string;
}

export interface EmitContext {
  readonly name: string;
  readonly outputDir: string;
  /** Where each source network's NICs attach on KVM (config `networks`, `--network-map`); empty when unmapped. */
  readonly networkMap: NetworkMap;
  readonly facts: GuestFacts;
  readonly plan: Plan;
  readonly outputs: OutputDisk[];
  /**
   * Writes a file atomically into the output folder and records it. The
   * engine fills `plugin` with the calling plugin's name.
   */
  writeOutput(fileName: string, content: string | Buffer, description: string, plugin?: string): Promise<string>;
  readonly emitted: EmittedFile[];
  readonly logger: Logger;
}

export interface VerifyResult {
  booted: boolean;
  network: boolean;
  addresses: string[];
  /** Last console lines, when it failed. */
  console?: string[];
  detail?: string;
  /** When the boot was to wait for a console text (`verify --wait-for`): the text and whether it was seen. */
  waitedFor?: { text: string; seen: boolean };
}

export interface VerifyContext {
  readonly name: string;
  readonly outputDir: string;
  readonly facts: GuestFacts;
  readonly outputs: OutputDisk[];
  result?: VerifyResult;
  readonly logger: Logger;
}

/** What `dispose` taps get: the run is over, whatever its outcome. */
export interface DisposeContext {
  readonly logger: Logger;
}
