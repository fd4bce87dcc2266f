/**
 * The plan is data: every repair is a change or a deferred action that can
 * be reviewed, serialised to JSON and applied later.
 */
import type { NetworkConfigFile } from '../network/configured/types.js';

/** Windows hive a registry change targets, by its file name under System32\config. */
export type HiveName = 'SYSTEM' | 'SOFTWARE' | 'SAM' | 'SECURITY' | 'DEFAULT';

/** A typed registry value, encoded by @hyper2kvm/registry as Windows expects. */
export type RegistryValue =
  | { type: 'REG_SZ' | 'REG_EXPAND_SZ'; data: string }
  | { type: 'REG_MULTI_SZ'; data: string[] }
  | { type: 'REG_DWORD'; data: number }
  | { type: 'REG_QWORD'; data: bigint | number }
  | { type: 'REG_BINARY'; data: Uint8Array };

interface ChangeBase {
  /** Plugin that proposed the change. */
  plugin: string;
  /** Why, in a few words, for the plan and the report. */
  reason: string;
}

export interface FileWriteChange extends ChangeBase {
  kind: 'file.write';
  path: string;
  /** Content before this change (`null`: the file did not exist). */
  before: Buffer | null;
  after: Buffer;
  mode?: number;
}

export interface FileDeleteChange extends ChangeBase {
  kind: 'file.delete';
  path: string;
  before: Buffer | null;
}

export interface FileRenameChange extends ChangeBase {
  kind: 'file.rename';
  from: string;
  to: string;
}

export interface FileChmodChange extends ChangeBase {
  kind: 'file.chmod';
  path: string;
  mode: number;
}

export interface MkdirChange extends ChangeBase {
  kind: 'dir.create';
  path: string;
}

export interface SymlinkChange extends ChangeBase {
  kind: 'symlink.create';
  path: string;
  target: string;
}

export interface UploadChange extends ChangeBase {
  kind: 'upload';
  /** File on the host (e.g. a driver from the virtio-win source). */
  hostPath: string;
  guestPath: string;
}

export interface RegistrySetChange extends ChangeBase {
  kind: 'registry.set';
  hive: HiveName;
  /** Key path inside the hive, `\`-separated, e.g. `ControlSet001\Services\viostor`. */
  key: string;
  /** Value name; `''` is the key's default value. */
  name: string;
  value: RegistryValue;
}

export interface RegistryDeleteKeyChange extends ChangeBase {
  kind: 'registry.deleteKey';
  hive: HiveName;
  key: string;
}

export interface RegistryDeleteValueChange extends ChangeBase {
  kind: 'registry.deleteValue';
  hive: HiveName;
  key: string;
  name: string;
}

export type FileChange = FileWriteChange | FileDeleteChange | FileRenameChange | FileChmodChange | MkdirChange | SymlinkChange | UploadChange;
export type RegistryChange = RegistrySetChange | RegistryDeleteKeyChange | RegistryDeleteValueChange;
export type Change = FileChange | RegistryChange;

export type Severity = 'error' | 'warning' | 'info';

/** Something a plugin noticed; an `error` blocks the fix. */
export interface Finding {
  plugin: string;
  /** Short stable identifier, e.g. `kernel-without-virtio`. */
  rule: string;
  severity: Severity;
  message: string;
  /** What the user can do about it. */
  hint?: string;
}

/** A deferred action (e.g. `initramfs.rebuild`), run once after all file changes. */
export interface ActionRequest {
  key: string;
  /** Plugins that asked for it, in request order. */
  requestedBy: string[];
  /** Parameters merged from every request (arrays are concatenated without duplicates). */
  params: Record<string, unknown>;
}

/** The whole plan of one VM. */
export interface Plan {
  changes: Change[];
  actions: ActionRequest[];
  findings: Finding[];
  /**
   * Linux: the network configuration files as the plan leaves them, read back
   * from the planned guest (what each NIC pin and address becomes on KVM).
   */
  network?: NetworkConfigFile[];
}

/** True when an error finding forbids applying the plan. */
export function isBlocked(plan: Plan): boolean {
  return plan.findings.some((finding) => finding.severity === 'error');
}
