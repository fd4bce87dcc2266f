/**
 * An open registry hive, edited through libhivex: keys are addressed by
 * paths relative to the hive root (`ControlSet001\Services\viostor`) and
 * found case-insensitively as Windows does; values are typed.
 */
import { constants as osConstants } from 'node:os';
import { Hivex, HivexCallError } from './hivex-ffi.js';
import { RegistryError } from './errors.js';
import { foldName, joinKeyPath, sameName, splitKeyPath } from './key-path.js';
import { checkValue, decodeValue, encodeValue, type EncodedValue, type RegistryValue } from './value.js';

/** A key found in a hive. */
export interface HiveKey {
  /** The key's own name, as stored. */
  name: string;
  /** Path from the hive root, with every name as stored (`''` for the root). */
  path: string;
}

/** A value of a key, with its name as stored (`''` is the default value). */
export interface NamedRegistryValue {
  name: string;
  value: RegistryValue;
}

/** Options for {@link Hive.open}. */
export interface OpenHiveOptions {
  /** Open for editing (the whole hive is read into memory). Default: read-only. */
  write?: boolean;
}

/** Longest value name Windows accepts, in characters. */
const MAX_VALUE_NAME_LENGTH = 16_383;

const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);

/**
 * A registry hive file opened with libhivex. Edits stay in memory until
 * {@link Hive.commit}; always {@link Hive.close} it (in a `finally`).
 *
 * Lookups of keys and values ignore case. libhivex compares names with
 * `strcasecmp`, which folds ASCII letters only, so names with other letters
 * are compared here, in JavaScript.
 */
export class Hive {
  /** The file the hive was opened from. */
  readonly path: string;
  /** Whether edits are allowed. */
  readonly writable: boolean;
  private hivex: Hivex | null;
  /**
   * Keys already found, by folded path. libhivex never moves a key's cell
   * while the hive is open (edits allocate new cells for lists and values),
   * so an entry stays right until that key is deleted.
   */
  private readonly found = new Map<string, ResolvedKey>();

  private constructor(path: string, writable: boolean, hivex: Hivex) {
    this.path = path;
    this.writable = writable;
    this.hivex = hivex;
  }

  /** Opens the hive at `path`; throws `HIVE_OPEN_FAILED` if it is missing or not a valid hive. */
  static open(path: string, options: OpenHiveOptions = {}): Hive {
    const writable = options.write ?? false;
    try {
      return new Hive(path, writable, Hivex.open(path, writable));
    } catch (error) {
      throw new RegistryError('HIVE_OPEN_FAILED', path, undefined, describeOpenFailure(error), { cause: error });
    }
  }

  /** Name of the root key. */
  rootName(): string {
    return this.call('', (h) => h.nodeName(h.root()));
  }

  /** The key at `path`, or `null` if it does not exist. */
  getKey(path: string): HiveKey | null {
    const names = this.parsePath(path);
    const found = this.call(path, (h) => this.resolve(h, names));
    return found && { name: found.names.at(-1) ?? this.rootName(), path: joinKeyPath(found.names) };
  }

  /** Whether the key at `path` exists. */
  hasKey(path: string): boolean {
    return this.getKey(path) !== null;
  }

  /** The key at `path`, created with any missing parents if needed. */
  ensureKey(path: string): HiveKey {
    const names = this.parsePath(path);
    this.requireWritable(path);
    const storedNames = this.call(path, (h) => this.ensureNode(h, names).names);
    return { name: storedNames.at(-1) ?? this.rootName(), path: joinKeyPath(storedNames) };
  }

  /**
   * Deletes the key at `path` with all its subkeys and values. Returns
   * `false` if it did not exist. The root key cannot be deleted.
   */
  deleteKey(path: string): boolean {
    const names = this.parsePath(path);
    this.requireWritable(path);
    if (names.length === 0) throw new RegistryError('INVALID_KEY_PATH', this.path, path, 'the root key cannot be deleted');
    return this.call(path, (h) => {
      const found = this.resolve(h, names);
      if (!found) return false;
      h.nodeDeleteChild(found.node);
      this.forgetFrom(cacheKey(names));
      return true;
    });
  }

  /** Names of the subkeys of `path`, as stored; throws `KEY_NOT_FOUND` if it does not exist. */
  listSubkeys(path: string): string[] {
    const names = this.parsePath(path);
    return this.call(path, (h) => {
      const node = this.requireNode(h, names, path);
      return h.nodeChildren(node).map((child) => h.nodeName(child));
    });
  }

  /** Names of the values of `path` (`''` is the default value); throws `KEY_NOT_FOUND` if it does not exist. */
  listValues(path: string): string[] {
    const names = this.parsePath(path);
    return this.call(path, (h) => {
      const node = this.requireNode(h, names, path);
      return h.nodeValues(node).map((value) => h.valueKey(value));
    });
  }

  /** Every value of `path`, decoded, in stored order; throws `KEY_NOT_FOUND` if it does not exist. */
  getValues(path: string): NamedRegistryValue[] {
    const names = this.parsePath(path);
    return this.call(path, (h) => {
      const node = this.requireNode(h, names, path);
      return h.nodeValues(node).map((value) => {
        const name = h.valueKey(value);
        return { name, value: this.decode(h, value, path, name) };
      });
    });
  }

  /**
   * The value `name` of key `path` (`''` is the default value), decoded, or
   * `null` if the key or the value does not exist. Throws `VALUE_MALFORMED`
   * for a DWORD or QWORD of the wrong size.
   */
  getValue(path: string, name: string): RegistryValue | null {
    const names = this.parsePath(path);
    return this.call(path, (h) => {
      const found = this.resolve(h, names);
      if (!found) return null;
      const value = this.findValue(h, found.node, name);
      return value === 0 ? null : this.decode(h, value, path, name);
    });
  }

  /**
   * The type code and stored bytes of value `name` of key `path`, exactly as
   * in the hive, or `null` if the key or value does not exist.
   */
  getRawValue(path: string, name: string): EncodedValue | null {
    const names = this.parsePath(path);
    return this.call(path, (h) => {
      const found = this.resolve(h, names);
      if (!found) return null;
      const value = this.findValue(h, found.node, name);
      if (value === 0) return null;
      const { type, bytes } = h.valueValue(value);
      return { code: type, bytes };
    });
  }

  /**
   * Sets value `name` of key `path` (`''` is the default value), creating
   * the key and its parents if needed (as `reg add` does). The other values
   * of the key are kept. An existing value keeps the case of its name.
   */
  setValue(path: string, name: string, value: RegistryValue): void {
    const names = this.parsePath(path);
    this.checkValueName(path, name);
    const problem = checkValue(value);
    if (problem) throw new RegistryError('INVALID_VALUE', this.path, path, `value ${JSON.stringify(name)}: ${problem}`);
    this.requireWritable(path);
    const { code, bytes } = encodeValue(value);
    this.call(path, (h) => {
      const { node } = this.ensureNode(h, names);
      // libhivex matches names with strcasecmp (ASCII only) and renames the
      // value to the name it is given; pass the stored name so that the
      // existing value is replaced and keeps its name, as on Windows.
      const storedName = this.findValueName(h, node, name) ?? name;
      h.nodeSetValue(node, { key: storedName, type: code, bytes });
    });
  }

  /** Deletes value `name` of key `path`, keeping the others. Returns `false` if it did not exist. */
  deleteValue(path: string, name: string): boolean {
    const names = this.parsePath(path);
    this.checkValueName(path, name);
    this.requireWritable(path);
    return this.call(path, (h) => {
      const found = this.resolve(h, names);
      if (!found) return false;
      // libhivex has no call to delete one value: rewrite the list without it.
      const kept = [];
      let removed = false;
      for (const value of h.nodeValues(found.node)) {
        const key = h.valueKey(value);
        if (sameName(key, name)) {
          removed = true;
          continue;
        }
        const { type, bytes } = h.valueValue(value);
        kept.push({ key, type, bytes });
      }
      if (removed) h.nodeSetValues(found.node, kept);
      return removed;
    });
  }

  /**
   * Writes the hive to `outputPath`, or over the file it was opened from.
   * Overwriting is not atomic: use `applyRegistryEdits` for a safe update.
   */
  commit(outputPath?: string): void {
    this.requireWritable(undefined);
    const target = outputPath ?? this.path;
    try {
      this.handle().commit(outputPath ?? null);
    } catch (error) {
      throw new RegistryError('COMMIT_FAILED', this.path, undefined, `cannot write ${target}: ${describeFailure(error)}`, { cause: error });
    }
  }

  /** Releases the hive; uncommitted edits are dropped. Closing twice is harmless. */
  close(): void {
    const hivex = this.hivex;
    this.hivex = null;
    this.found.clear();
    hivex?.close();
  }

  private handle(): Hivex {
    if (this.hivex === null) throw new RegistryError('HIVE_CLOSED', this.path, undefined, 'the hive is closed');
    return this.hivex;
  }

  /** Runs libhivex calls, turning their failures into one-line RegistryErrors. */
  private call<T>(keyPath: string, body: (h: Hivex) => T): T {
    const h = this.handle();
    try {
      return body(h);
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      throw new RegistryError('HIVEX_CALL_FAILED', this.path, keyPath, describeFailure(error), { cause: error });
    }
  }

  private parsePath(path: string): string[] {
    const names = splitKeyPath(path);
    if ('error' in names) throw new RegistryError('INVALID_KEY_PATH', this.path, path, names.error);
    return names;
  }

  private checkValueName(path: string, name: string): void {
    if (name.includes('\0')) throw new RegistryError('INVALID_VALUE', this.path, path, `value name ${JSON.stringify(name)} contains a NUL character`);
    if (name.length > MAX_VALUE_NAME_LENGTH) {
      throw new RegistryError('INVALID_VALUE', this.path, path, `value name longer than ${MAX_VALUE_NAME_LENGTH} characters`);
    }
  }

  private requireWritable(keyPath: string | undefined): void {
    this.handle();
    if (!this.writable) throw new RegistryError('HIVE_READ_ONLY', this.path, keyPath, 'the hive was opened read-only');
  }

  private requireNode(h: Hivex, names: readonly string[], path: string): number {
    const found = this.resolve(h, names);
    if (!found) throw new RegistryError('KEY_NOT_FOUND', this.path, path, 'no such key');
    return found.node;
  }

  /** Walks from the root; returns the node and the stored names, or null. */
  private resolve(h: Hivex, names: readonly string[]): ResolvedKey | null {
    return this.walk(h, names, false);
  }

  private ensureNode(h: Hivex, names: readonly string[]): ResolvedKey {
    return this.walk(h, names, true) as ResolvedKey;
  }

  private walk(h: Hivex, names: readonly string[], create: boolean): ResolvedKey | null {
    const whole = this.found.get(cacheKey(names));
    if (whole) return whole;
    let current: ResolvedKey = { node: h.root(), names: [] };
    for (let depth = 0; depth < names.length; depth += 1) {
      const name = names[depth] as string;
      const key = cacheKey(names.slice(0, depth + 1));
      let next = this.found.get(key);
      if (!next) {
        const child = this.findChild(h, current.node, name);
        if (child) next = { node: child.node, names: [...current.names, child.name] };
        else if (create) next = { node: h.nodeAddChild(current.node, name), names: [...current.names, name] };
        else return null;
        this.found.set(key, next);
      }
      current = next;
    }
    return current;
  }

  /** Drops cached keys at or below the folded path `prefix`. */
  private forgetFrom(prefix: string): void {
    for (const key of this.found.keys()) {
      if (key === prefix || key.startsWith(`${prefix}\\`)) this.found.delete(key);
    }
  }

  private findChild(h: Hivex, parent: number, name: string): { node: number; name: string } | null {
    if (isAscii(name)) {
      const node = h.nodeGetChild(parent, name);
      return node === 0 ? null : { node, name: h.nodeName(node) };
    }
    for (const node of h.nodeChildren(parent)) {
      const childName = h.nodeName(node);
      if (sameName(childName, name)) return { node, name: childName };
    }
    return null;
  }

  private findValue(h: Hivex, node: number, name: string): number {
    if (isAscii(name)) return h.nodeGetValue(node, name);
    for (const value of h.nodeValues(node)) {
      if (sameName(h.valueKey(value), name)) return value;
    }
    return 0;
  }

  private findValueName(h: Hivex, node: number, name: string): string | undefined {
    for (const value of h.nodeValues(node)) {
      const key = h.valueKey(value);
      if (sameName(key, name)) return key;
    }
    return undefined;
  }

  private decode(h: Hivex, value: number, path: string, name: string): RegistryValue {
    const { type, bytes } = h.valueValue(value);
    const decoded = decodeValue(type, bytes);
    if ('error' in decoded) throw new RegistryError('VALUE_MALFORMED', this.path, path, `value ${JSON.stringify(name)}: ${decoded.error}`);
    return decoded;
  }
}

interface ResolvedKey {
  node: number;
  /** Names from the root, as stored. */
  names: string[];
}

function cacheKey(names: readonly string[]): string {
  return foldName(joinKeyPath(names));
}

function describeFailure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Says in words why libhivex could not open a file. */
function describeOpenFailure(error: unknown): string {
  if (!(error instanceof HivexCallError)) return describeFailure(error);
  const { errno } = osConstants;
  switch (error.errno) {
    case errno.ENOENT:
      return 'no such file';
    case errno.EACCES:
      return 'permission denied';
    case errno.EISDIR:
      return 'is a directory';
    case errno.ENOTSUP: // libhivex: bad signature, version, bin or root key
    case errno.EINVAL: // libhivex: too small or bad header checksum
      return `not a valid registry hive (hivex_open: ${error.errnoName})`;
    default:
      return error.message;
  }
}
