/**
 * A read view of the guest that sees the changes proposed so far, so that
 * plugins planning one after another can edit the same file in turn
 * without anything being written.
 */
import type { GuestFilesystem, GuestFs, GuestStat } from '../guest/guestfs.js';
import { globToRegExp, normalizeGuestPath, parentOf } from '../guest/paths.js';
import type { HiveName, RegistryValue } from './changes.js';

type Overlay = { state: 'file'; content: Buffer; mode: number } | { state: 'directory' } | { state: 'symlink'; target: string } | { state: 'deleted' };

/** Reads the guest's registry as it is on disk; supplied for Windows guests. */
export interface RegistryReader {
  getValue(hive: HiveName, key: string, name: string): Promise<RegistryValue | null>;
  /** Subkey names, or `null` when the key does not exist. */
  listSubkeys(hive: HiveName, key: string): Promise<string[] | null>;
}

/** Read-only guest access as plugins see it during `plan`. */
export interface GuestView {
  readFile(path: string): Promise<Buffer>;
  /** UTF-8 content, or `null` when the file does not exist. */
  readText(path: string): Promise<string | null>;
  exists(path: string): Promise<boolean>;
  stat(path: string): Promise<GuestStat | null>;
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
  glob(pattern: string): Promise<string[]>;
  filesystems(): Promise<GuestFilesystem[]>;
  resolveCaseInsensitive(path: string): Promise<string | null>;
  /** Registry value as planned so far; `null` when absent or the guest has no registry. */
  registryValue(hive: HiveName, key: string, name: string): Promise<RegistryValue | null>;
  registrySubkeys(hive: HiveName, key: string): Promise<string[] | null>;
}

function registryId(hive: HiveName, key: string): string {
  return `${hive}\\${key}`.toLowerCase();
}

export class PlannedGuest implements GuestView {
  readonly #base: GuestFs;
  readonly #registry: RegistryReader | undefined;
  readonly #overlay = new Map<string, Overlay>();
  /** Registry values planned: `hive\key` (lower case) → value name (lower case) → value or deleted. */
  readonly #registryValues = new Map<string, Map<string, RegistryValue | null>>();
  readonly #registryDeletedKeys = new Set<string>();
  readonly #registryCreatedKeys = new Set<string>();

  constructor(base: GuestFs, registry?: RegistryReader) {
    this.#base = base;
    this.#registry = registry;
  }

  // --- reads -------------------------------------------------------------

  async readFile(path: string): Promise<Buffer> {
    const target = normalizeGuestPath(path);
    const overlay = this.#overlay.get(target);
    if (overlay?.state === 'file') return Buffer.from(overlay.content);
    if (overlay?.state === 'deleted' || (await this.#underDeleted(target))) {
      throw new Error(`${target}: no such file (deleted by the plan)`);
    }
    return this.#base.readFile(target);
  }

  async readText(path: string): Promise<string | null> {
    const stat = await this.stat(path);
    if (stat === null || stat.type === 'directory' || stat.type === 'other') return null;
    return (await this.readFile(path)).toString('utf8');
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== null;
  }

  async stat(path: string): Promise<GuestStat | null> {
    const target = normalizeGuestPath(path);
    const overlay = this.#overlay.get(target);
    if (overlay) {
      switch (overlay.state) {
        case 'file':
          return { type: 'file', size: overlay.content.length, mode: overlay.mode };
        case 'directory':
          return { type: 'directory', size: 0, mode: 0o755 };
        case 'symlink':
          return { type: 'symlink', size: overlay.target.length, mode: 0o777 };
        case 'deleted':
          return null;
      }
    }
    if (await this.#underDeleted(target)) return null;
    return this.#base.stat(target);
  }

  async readdir(path: string): Promise<string[]> {
    const dir = normalizeGuestPath(path);
    const names = new Set<string>();
    if (!(await this.#underDeleted(dir)) && this.#overlay.get(dir)?.state !== 'directory') {
      const baseStat = await this.#base.stat(dir);
      if (baseStat?.type === 'directory') for (const name of await this.#base.readdir(dir)) names.add(name);
    }
    for (const [entry, overlay] of this.#overlay) {
      if (parentOf(entry) !== dir || entry === dir) continue;
      const name = entry.slice(dir === '/' ? 1 : dir.length + 1);
      if (overlay.state === 'deleted') names.delete(name);
      else names.add(name);
    }
    return [...names].sort();
  }

  async readlink(path: string): Promise<string> {
    const target = normalizeGuestPath(path);
    const overlay = this.#overlay.get(target);
    if (overlay?.state === 'symlink') return overlay.target;
    if (overlay) throw new Error(`${target}: not a symlink`);
    return this.#base.readlink(target);
  }

  async glob(pattern: string): Promise<string[]> {
    const matcher = globToRegExp(normalizeGuestPath(pattern));
    const results = new Set<string>();
    for (const path of await this.#base.glob(pattern)) {
      if (!(await this.#underDeleted(path)) && this.#overlay.get(path)?.state !== 'deleted') results.add(path);
    }
    for (const [path, overlay] of this.#overlay) {
      if (!matcher.test(path)) continue;
      if (overlay.state === 'deleted') results.delete(path);
      else results.add(path);
    }
    return [...results].sort();
  }

  filesystems(): Promise<GuestFilesystem[]> {
    return this.#base.filesystems();
  }

  async resolveCaseInsensitive(path: string): Promise<string | null> {
    const target = normalizeGuestPath(path);
    for (const [entry, overlay] of this.#overlay) {
      if (entry.toLowerCase() === target.toLowerCase()) return overlay.state === 'deleted' ? null : entry;
    }
    return this.#base.resolveCaseInsensitive(target);
  }

  async registryValue(hive: HiveName, key: string, name: string): Promise<RegistryValue | null> {
    if (this.#keyDeleted(hive, key)) return null;
    const planned = this.#registryValues.get(registryId(hive, key))?.get(name.toLowerCase());
    if (planned !== undefined) return planned;
    return (await this.#registry?.getValue(hive, key, name)) ?? null;
  }

  async registrySubkeys(hive: HiveName, key: string): Promise<string[] | null> {
    if (this.#keyDeleted(hive, key)) return null;
    const base = (await this.#registry?.listSubkeys(hive, key)) ?? null;
    const names = new Map<string, string>((base ?? []).map((name) => [name.toLowerCase(), name]));
    const prefix = registryId(hive, key) + '\\';
    let known = base !== null || this.#registryCreatedKeys.has(registryId(hive, key));
    for (const created of this.#registryCreatedKeys) {
      if (!created.startsWith(prefix)) continue;
      known = true;
      const child = created.slice(prefix.length).split('\\')[0]!;
      if (!names.has(child) && !this.#keyDeleted(hive, `${key}\\${child}`)) names.set(child, child);
    }
    for (const lower of [...names.keys()]) if (this.#keyDeleted(hive, `${key}\\${lower}`)) names.delete(lower);
    return known ? [...names.values()].sort() : null;
  }

  // --- recording proposals (called by the plan builder) ------------------

  /** @internal */
  recordWrite(path: string, content: Buffer, mode: number): void {
    this.#overlay.set(normalizeGuestPath(path), { state: 'file', content, mode });
  }

  /** @internal */
  recordDelete(path: string): void {
    const target = normalizeGuestPath(path);
    for (const entry of [...this.#overlay.keys()]) if (entry.startsWith(target + '/')) this.#overlay.delete(entry);
    this.#overlay.set(target, { state: 'deleted' });
  }

  /** @internal */
  recordDirectory(path: string): void {
    this.#overlay.set(normalizeGuestPath(path), { state: 'directory' });
  }

  /** @internal */
  recordSymlink(path: string, target: string): void {
    this.#overlay.set(normalizeGuestPath(path), { state: 'symlink', target });
  }

  /** @internal */
  recordRegistrySet(hive: HiveName, key: string, name: string, value: RegistryValue | null): void {
    const id = registryId(hive, key);
    this.#unmarkDeleted(id);
    this.#registryCreatedKeys.add(id);
    let values = this.#registryValues.get(id);
    if (!values) this.#registryValues.set(id, (values = new Map()));
    values.set(name.toLowerCase(), value);
  }

  /** @internal */
  recordRegistryDeleteKey(hive: HiveName, key: string): void {
    const id = registryId(hive, key);
    this.#registryDeletedKeys.add(id);
    for (const known of [...this.#registryValues.keys()]) if (known === id || known.startsWith(id + '\\')) this.#registryValues.delete(known);
    for (const known of [...this.#registryCreatedKeys]) if (known === id || known.startsWith(id + '\\')) this.#registryCreatedKeys.delete(known);
  }

  #unmarkDeleted(id: string): void {
    for (const deleted of [...this.#registryDeletedKeys]) if (id === deleted || id.startsWith(deleted + '\\')) this.#registryDeletedKeys.delete(deleted);
  }

  #keyDeleted(hive: HiveName, key: string): boolean {
    const id = registryId(hive, key);
    for (const deleted of this.#registryDeletedKeys) if (id === deleted || id.startsWith(deleted + '\\')) return true;
    return false;
  }

  async #underDeleted(path: string): Promise<boolean> {
    let current = parentOf(path);
    while (current !== '/' && current !== '.') {
      if (this.#overlay.get(current)?.state === 'deleted') return true;
      current = parentOf(current);
    }
    return false;
  }
}
