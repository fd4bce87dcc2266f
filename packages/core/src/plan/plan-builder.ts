/**
 * Collects the plan while plugins run their `plan` taps. Each plugin gets a
 * `PlanApi` bound to its name, so every change and finding is attributed.
 */
import { normalizeGuestPath } from '../guest/paths.js';
import type { ActionRequest, Change, Finding, HiveName, Plan, RegistryValue } from './changes.js';
import type { GuestView, PlannedGuest } from './planned-guest.js';

/** What a plugin can do during `plan`: read the planned guest, propose, report. */
export interface PlanApi {
  /** The guest as it will be once the changes proposed so far are applied. */
  readonly guest: GuestView;
  /** Creates or replaces a file. Nothing is recorded when the content is identical; resolves to whether it changed. */
  writeFile(path: string, content: string | Buffer, reason: string, options?: { mode?: number }): Promise<boolean>;
  /**
   * Rewrites a text file through `edit`; nothing is recorded when the result
   * is unchanged or the file does not exist. Resolves to whether it changed.
   */
  editFile(path: string, edit: (content: string) => string, reason: string): Promise<boolean>;
  /** Deletes a file or symlink; nothing is recorded when it does not exist. */
  deleteFile(path: string, reason: string): Promise<boolean>;
  renameFile(from: string, to: string, reason: string): Promise<void>;
  chmod(path: string, mode: number, reason: string): void;
  mkdir(path: string, reason: string): void;
  symlink(target: string, path: string, reason: string): void;
  /** Copies a file from the host into the guest (drivers, scripts). */
  upload(hostPath: string, guestPath: string, reason: string): void;
  registrySet(hive: HiveName, key: string, name: string, value: RegistryValue, reason: string): void;
  registryDeleteKey(hive: HiveName, key: string, reason: string): void;
  registryDeleteValue(hive: HiveName, key: string, name: string, reason: string): void;
  /** Asks for a deferred action, run once after all file changes, whoever else asks. */
  requireAction(key: string, params?: Record<string, unknown>): void;
  report(finding: Omit<Finding, 'plugin'>): void;
  /** Low-level: records a change as given (its `plugin` is overwritten). */
  propose(change: Change): void;
}

function mergeParams(into: Record<string, unknown>, params: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(params)) {
    const existing = into[name];
    if (Array.isArray(existing) && Array.isArray(value)) {
      into[name] = [...existing, ...value.filter((item) => !existing.includes(item))];
    } else {
      into[name] = value;
    }
  }
}

export class PlanBuilder {
  readonly plan: Plan = { changes: [], actions: [], findings: [] };
  readonly #guest: PlannedGuest;

  constructor(guest: PlannedGuest) {
    this.#guest = guest;
  }

  /** The API handed to one plugin's `plan` tap. */
  forPlugin(plugin: string): PlanApi {
    const guest = this.#guest;
    const push = (change: Change): void => {
      this.plan.changes.push({ ...change, plugin });
    };
    const api: PlanApi = {
      guest,
      writeFile: async (path, content, reason, options = {}) => {
        const target = normalizeGuestPath(path);
        const after = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
        const { before, mode } = await this.#current(target);
        if (before !== null && before.equals(after) && (options.mode === undefined || options.mode === mode)) return false;
        guest.recordWrite(target, after, options.mode ?? mode ?? 0o644);
        push({ kind: 'file.write', path: target, before, after, plugin, reason, ...(options.mode === undefined ? {} : { mode: options.mode }) });
        return true;
      },
      editFile: async (path, edit, reason) => {
        const target = normalizeGuestPath(path);
        const stat = await guest.stat(target);
        if (stat?.type !== 'file' && stat?.type !== 'symlink') return false;
        const before = await guest.readFile(target);
        const after = Buffer.from(edit(before.toString('utf8')), 'utf8');
        if (after.equals(before)) return false;
        guest.recordWrite(target, after, stat.mode);
        push({ kind: 'file.write', path: target, before, after, plugin, reason });
        return true;
      },
      deleteFile: async (path, reason) => {
        const target = normalizeGuestPath(path);
        const stat = await guest.stat(target);
        if (stat === null) return false;
        const before = stat.type === 'file' ? await guest.readFile(target) : null;
        guest.recordDelete(target);
        push({ kind: 'file.delete', path: target, before, plugin, reason });
        return true;
      },
      renameFile: async (from, to, reason) => {
        const source = normalizeGuestPath(from);
        const target = normalizeGuestPath(to);
        const stat = await guest.stat(source);
        if (stat === null) throw new Error(`cannot rename ${source}: no such file`);
        if (stat.type === 'file') {
          const content = await guest.readFile(source);
          guest.recordWrite(target, content, stat.mode);
        } else if (stat.type === 'symlink') {
          guest.recordSymlink(target, await guest.readlink(source));
        } else {
          throw new Error(`cannot rename ${source}: only files and symlinks can be renamed in a plan`);
        }
        guest.recordDelete(source);
        push({ kind: 'file.rename', from: source, to: target, plugin, reason });
      },
      chmod: (path, mode, reason) => {
        push({ kind: 'file.chmod', path: normalizeGuestPath(path), mode, plugin, reason });
      },
      mkdir: (path, reason) => {
        const target = normalizeGuestPath(path);
        guest.recordDirectory(target);
        push({ kind: 'dir.create', path: target, plugin, reason });
      },
      symlink: (target, path, reason) => {
        const link = normalizeGuestPath(path);
        guest.recordSymlink(link, target);
        push({ kind: 'symlink.create', path: link, target, plugin, reason });
      },
      upload: (hostPath, guestPath, reason) => {
        const target = normalizeGuestPath(guestPath);
        guest.recordWrite(target, Buffer.alloc(0), 0o644);
        push({ kind: 'upload', hostPath, guestPath: target, plugin, reason });
      },
      registrySet: (hive, key, name, value, reason) => {
        guest.recordRegistrySet(hive, key, name, value);
        push({ kind: 'registry.set', hive, key, name, value, plugin, reason });
      },
      registryDeleteKey: (hive, key, reason) => {
        guest.recordRegistryDeleteKey(hive, key);
        push({ kind: 'registry.deleteKey', hive, key, plugin, reason });
      },
      registryDeleteValue: (hive, key, name, reason) => {
        guest.recordRegistrySet(hive, key, name, null);
        push({ kind: 'registry.deleteValue', hive, key, name, plugin, reason });
      },
      requireAction: (key, params = {}) => {
        let request: ActionRequest | undefined = this.plan.actions.find((action) => action.key === key);
        if (!request) {
          request = { key, requestedBy: [], params: {} };
          this.plan.actions.push(request);
        }
        if (!request.requestedBy.includes(plugin)) request.requestedBy.push(plugin);
        mergeParams(request.params, params);
      },
      report: (finding) => {
        this.plan.findings.push({ ...finding, plugin });
      },
      propose: (change) => push(change),
    };
    return api;
  }

  async #current(path: string): Promise<{ before: Buffer | null; mode: number | undefined }> {
    const stat = await this.#guest.stat(path);
    if (stat?.type !== 'file') return { before: null, mode: undefined };
    return { before: await this.#guest.readFile(path), mode: stat.mode };
  }
}
