/**
 * Applies a plan's changes to the (overlay) guest, keeping the original of
 * every file and hive it touches in the backup folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GuestFsError } from '../errors.js';
import type { GuestFs } from '../guest/guestfs.js';
import { parentOf } from '../guest/paths.js';
import type { Change, HiveName, Plan, RegistryChange } from '../plan/changes.js';

/** Writes registry changes into the guest's hives (supplied for Windows guests by @hyper2kvm/registry). */
export interface RegistryWriter {
  /** Applies the edits to one hive, keeps its original in `backupDir`, verifies by re-reading. */
  apply(hive: HiveName, changes: RegistryChange[], backupDir: string): Promise<void>;
}

export interface ApplyOptions {
  backupDir: string;
  registry?: RegistryWriter;
}

/** What a change does, in a few words: `write /etc/fstab`. */
function describeChange(change: Change): string {
  switch (change.kind) {
    case 'file.write':
    case 'file.delete':
      return `${change.kind === 'file.write' ? 'write' : 'delete'} ${change.path}`;
    case 'file.rename':
      return `rename ${change.from} to ${change.to}`;
    case 'file.chmod':
      return `chmod ${change.path}`;
    case 'dir.create':
      return `create ${change.path}`;
    case 'symlink.create':
      return `symlink ${change.path}`;
    case 'upload':
      return `upload ${change.guestPath}`;
    default:
      return `${change.kind} ${change.hive}`;
  }
}

/**
 * A change that could not be applied (a full guest file system, say): says
 * which one, and that it and the ones after it were not applied, so the
 * report tells what was done and what was not.
 */
function changeFailed(error: unknown, changes: Change[], index: number): GuestFsError {
  const change = changes[index]!;
  const reason = error instanceof Error ? error.message : String(error);
  // Registry edits are applied after the file changes, hive by hive: none of them ran yet.
  const applied = changes.slice(0, index).filter((before) => !before.kind.startsWith('registry.')).length;
  const left = changes.length - index - 1;
  return new GuestFsError(
    `change ${index + 1} of ${changes.length} failed (${describeChange(change)}, planned by ${change.plugin}): ${reason}; ${applied} change(s) before it were applied, it and the ${left} after it were not`,
    { code: 'CHANGE_FAILED', cause: error },
  );
}

/** Host path under `backupDir` for a guest file's original; guest paths never escape it. */
export function backupPathFor(backupDir: string, guestPath: string): string {
  const relative = guestPath.split('/').filter((part) => part !== '' && part !== '.' && part !== '..');
  return join(backupDir, 'files', ...relative);
}

export async function applyPlan(guest: GuestFs, plan: Plan, options: ApplyOptions): Promise<void> {
  const backedUp = new Set<string>();
  const backup = async (path: string, content: Buffer | null): Promise<void> => {
    if (content === null || backedUp.has(path)) return;
    backedUp.add(path);
    const target = backupPathFor(options.backupDir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  };
  const ensureParent = async (path: string): Promise<void> => {
    const parent = parentOf(path);
    if (!(await guest.exists(parent))) await guest.mkdirp(parent);
  };

  const registryChanges = new Map<HiveName, RegistryChange[]>();
  for (const [index, change] of plan.changes.entries()) {
    try {
      switch (change.kind) {
        case 'file.write':
          await backup(change.path, change.before);
          await ensureParent(change.path);
          await guest.writeFile(change.path, change.after, change.mode === undefined ? {} : { mode: change.mode });
          if (change.mode !== undefined) await guest.chmod(change.path, change.mode);
          break;
        case 'file.delete':
          await backup(change.path, change.before);
          await guest.remove(change.path);
          break;
        case 'file.rename':
          await ensureParent(change.to);
          await guest.rename(change.from, change.to);
          break;
        case 'file.chmod':
          await guest.chmod(change.path, change.mode);
          break;
        case 'dir.create':
          await guest.mkdirp(change.path);
          break;
        case 'symlink.create':
          await ensureParent(change.path);
          await guest.symlink(change.target, change.path);
          break;
        case 'upload':
          await ensureParent(change.guestPath);
          await guest.upload(change.hostPath, change.guestPath);
          break;
        case 'registry.set':
        case 'registry.deleteKey':
        case 'registry.deleteValue': {
          const list = registryChanges.get(change.hive) ?? [];
          list.push(change);
          registryChanges.set(change.hive, list);
          break;
        }
      }
    } catch (error) {
      throw changeFailed(error, plan.changes, index);
    }
  }
  if (registryChanges.size > 0) {
    if (!options.registry)
      throw new GuestFsError('the plan edits the registry but no registry writer is available for this guest', { code: 'REGISTRY_UNAVAILABLE' });
    for (const [hive, changes] of registryChanges) await options.registry.apply(hive, changes, options.backupDir);
  }
}
