/**
 * The guest's registry for the engine: implements core's RegistryReader
 * (inspection, planning) and RegistryWriter (fix) over the hive files of a
 * mounted Windows guest. Each hive is downloaded once to a host folder and
 * read there with libhivex; an edit is committed and verified on that copy
 * (@hyper2kvm/registry's applyRegistryEdits, which keeps the original in the
 * backup folder) and only then uploaded over the guest's file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestFsError } from '@hyper2kvm/core';
import type { GuestFs, HiveName, RegistryChange, RegistryReader, RegistryValue, RegistryWriter } from '@hyper2kvm/core';
import { applyRegistryEdits, Hive } from '@hyper2kvm/registry';
import type { RegistryEdit, RegistryValue as HiveValue } from '@hyper2kvm/registry';

/** What the registry needs from the guest: find, download and upload its hive files. */
export type RegistryGuest = Pick<GuestFs, 'resolveCaseInsensitive' | 'download' | 'upload'>;

export interface GuestRegistryOptions {
  /** Guest path of the system root, e.g. `/Windows` (from libguestfs inspection). */
  systemRoot: string;
  /** Host folder for the hive copies; a new temporary folder (removed by close) when absent. */
  workDir?: string;
}

interface LoadedHive {
  /** Guest path, as resolved case-insensitively. */
  guestPath: string;
  /** The host copy: read from, edited, uploaded. */
  hostPath: string;
  /** Read handle on the host copy; reopened after every apply. */
  reader: Hive;
}

/**
 * Registry access for one Windows guest. Call {@link close} when done: it
 * closes the hive handles and removes the host copies.
 */
export class GuestRegistry implements RegistryReader, RegistryWriter {
  readonly #guest: RegistryGuest;
  readonly #configDir: string;
  readonly #workDir: string | undefined;
  #hostDir: Promise<string> | undefined;
  /** Hive → its host copy, or null when the guest has no such hive file. */
  readonly #hives = new Map<HiveName, Promise<LoadedHive | null>>();
  #closed = false;

  constructor(guest: RegistryGuest, options: GuestRegistryOptions) {
    this.#guest = guest;
    this.#configDir = `${options.systemRoot.replace(/\/+$/, '')}/System32/config`;
    this.#workDir = options.workDir;
  }

  /** A value, or `null` when the hive, the key or the value does not exist. */
  async getValue(hive: HiveName, key: string, name: string): Promise<RegistryValue | null> {
    const loaded = await this.#load(hive);
    if (!loaded) return null;
    const value = loaded.reader.getValue(key, name);
    return value === null ? null : toCoreValue(value);
  }

  /** Subkey names, or `null` when the hive or the key does not exist. `''` is the hive's root. */
  async listSubkeys(hive: HiveName, key: string): Promise<string[] | null> {
    const loaded = await this.#load(hive);
    if (!loaded || !loaded.reader.hasKey(key)) return null;
    return loaded.reader.listSubkeys(key);
  }

  /**
   * Applies `changes` to one hive: the host copy is backed up into
   * `backupDir`, edited, committed, re-read and compared with what was
   * asked, then uploaded over the guest's hive. Nothing is uploaded when a
   * step fails or nothing changed.
   * @throws {GuestFsError} when the guest has no such hive.
   */
  async apply(hive: HiveName, changes: RegistryChange[], backupDir: string): Promise<void> {
    const loaded = await this.#load(hive);
    if (!loaded) throw new GuestFsError(`the guest has no ${hive} hive under ${this.#configDir}`, { code: 'REGISTRY_NO_HIVE' });
    const edits = changes.map(toRegistryEdit);
    loaded.reader.close();
    try {
      const result = await applyRegistryEdits(loaded.hostPath, edits, { backupDir });
      if (result.written) await this.#guest.upload(loaded.hostPath, loaded.guestPath);
    } finally {
      loaded.reader = Hive.open(loaded.hostPath);
    }
  }

  /** Guest path of a hive file, once it has been loaded (for reports and tests). */
  async guestPathOf(hive: HiveName): Promise<string | null> {
    return (await this.#load(hive))?.guestPath ?? null;
  }

  /** Closes the hive handles and removes the host copies. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const pending of this.#hives.values()) {
      const loaded = await pending.catch(() => null);
      loaded?.reader.close();
    }
    this.#hives.clear();
    if (this.#hostDir) await rm(await this.#hostDir, { recursive: true, force: true });
  }

  #load(hive: HiveName): Promise<LoadedHive | null> {
    if (this.#closed) return Promise.reject(new GuestFsError('the guest registry is closed', { code: 'REGISTRY_CLOSED' }));
    let pending = this.#hives.get(hive);
    if (!pending) {
      pending = this.#download(hive);
      // A failed download is not cached: the next call tries again.
      pending.catch(() => this.#hives.delete(hive));
      this.#hives.set(hive, pending);
    }
    return pending;
  }

  async #download(hive: HiveName): Promise<LoadedHive | null> {
    const guestPath = await this.#guest.resolveCaseInsensitive(`${this.#configDir}/${hive}`);
    if (!guestPath) return null;
    this.#hostDir ??= this.#workDir ? mkdtemp(join(this.#workDir, 'registry-')) : mkdtemp(join(tmpdir(), 'hyper2kvm-registry-'));
    const hostPath = join(await this.#hostDir, hive);
    await this.#guest.download(guestPath, hostPath);
    return { guestPath, hostPath, reader: Hive.open(hostPath) };
  }
}

/** A plan's registry change as an edit of @hyper2kvm/registry. */
export function toRegistryEdit(change: RegistryChange): RegistryEdit {
  switch (change.kind) {
    case 'registry.set':
      return { op: 'set', key: change.key, name: change.name, value: toHiveValue(change.value) };
    case 'registry.deleteKey':
      return { op: 'deleteKey', key: change.key };
    case 'registry.deleteValue':
      return { op: 'deleteValue', key: change.key, name: change.name };
  }
}

function toHiveValue(value: RegistryValue): HiveValue {
  switch (value.type) {
    case 'REG_BINARY':
      return { type: 'REG_BINARY', data: Buffer.from(value.data) };
    case 'REG_QWORD':
      return { type: 'REG_QWORD', data: BigInt(value.data) };
    default:
      return value;
  }
}

/**
 * A hive value in core's shape. Core has no REG_NONE or other raw types:
 * their bytes are handed over as REG_BINARY (reads only; the plan never
 * writes them back unless a plugin asks).
 */
function toCoreValue(value: HiveValue): RegistryValue {
  switch (value.type) {
    case 'REG_BINARY':
    case 'REG_NONE':
    case 'REG_RAW':
      return { type: 'REG_BINARY', data: Buffer.from(value.data) };
    default:
      return value;
  }
}
