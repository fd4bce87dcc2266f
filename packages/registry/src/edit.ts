/**
 * Applies a list of registry edits to a hive file safely: back up, edit in
 * memory, commit to a temporary file, re-open that file and check every
 * edit is there, then rename it over the original. Any failure leaves the
 * original file as it was.
 */
import { chmod, copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Hive } from './hive.js';
import { RegistryError } from './errors.js';
import type { RegistryChange, RegistryEdit } from './edit-types.js';
import { foldName, joinKeyPath, splitKeyPath } from './key-path.js';
import { checkValue, encodeValue, sameValue, type RegistryValue } from './value.js';
import { renderRegistryValue } from './reg-format.js';

/** Options for {@link applyRegistryEdits}. */
export interface ApplyRegistryEditsOptions {
  /**
   * Folder that receives a copy of the hive as it was before any edit
   * (created if missing). An existing copy is never overwritten: the new one
   * gets a `.1`, `.2`, … suffix, so the first original survives repeated runs.
   */
  backupDir?: string;
}

/** What {@link applyRegistryEdits} did. */
export interface ApplyRegistryEditsResult {
  hivePath: string;
  /** Where the original was copied, if a backup folder was given. */
  backupPath: string | undefined;
  /** One entry per edit, in order, with the old and new value. */
  changes: RegistryChange[];
  /** Whether the hive file was rewritten (false when no edit changed anything). */
  written: boolean;
}

/**
 * Applies `edits` in order to the hive file at `hivePath` and returns what
 * changed. The result is committed to a temporary file beside the hive,
 * re-opened and verified with {@link verifyRegistryEdits}, then renamed over
 * the original; if anything fails, the original is left untouched and a
 * {@link RegistryError} is thrown. When no edit changes anything the file is
 * not rewritten.
 */
export async function applyRegistryEdits(
  hivePath: string,
  edits: readonly RegistryEdit[],
  options: ApplyRegistryEditsOptions = {},
): Promise<ApplyRegistryEditsResult> {
  validateEdits(hivePath, edits);
  const backupPath = options.backupDir === undefined ? undefined : await backUp(hivePath, options.backupDir);
  if (edits.length === 0) return { hivePath, backupPath, changes: [], written: false };

  const temporary = join(dirname(hivePath), `.${basename(hivePath)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const hive = Hive.open(hivePath, { write: true });
    let changes: RegistryChange[];
    try {
      changes = edits.map((edit) => applyEdit(hive, edit));
      if (!changes.some((change) => change.changed)) return { hivePath, backupPath, changes, written: false };
      hive.commit(temporary);
    } finally {
      hive.close();
    }
    verifyRegistryEdits(temporary, edits, hivePath);
    const { mode } = await stat(hivePath);
    await chmod(temporary, mode & 0o7777);
    await rename(temporary, hivePath);
    return { hivePath, backupPath, changes, written: true };
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * Checks that the hive file at `hivePath` holds the result of `edits`
 * applied in order: every value set is there with the same type and bytes,
 * every created key exists, every deleted key and value is gone (unless a
 * later edit brought it back). Throws `VERIFY_FAILED` naming the first
 * mismatch and how many there are. `reportAs` is the file named in errors
 * (default `hivePath`).
 */
export function verifyRegistryEdits(hivePath: string, edits: readonly RegistryEdit[], reportAs = hivePath): void {
  validateEdits(reportAs, edits);
  const expectations = expectedState(edits);
  const failures: { key: string; problem: string }[] = [];
  let hive: Hive;
  try {
    hive = Hive.open(hivePath);
  } catch (error) {
    throw new RegistryError('VERIFY_FAILED', reportAs, undefined, `cannot re-open the written hive: ${(error as Error).message}`, { cause: error });
  }
  try {
    for (const expectation of expectations) {
      const key = joinKeyPath(expectation.key);
      const problem = checkExpectation(hive, expectation);
      if (problem) failures.push({ key, problem });
    }
  } finally {
    hive.close();
  }
  const first = failures[0];
  if (first) {
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more mismatches)` : '';
    throw new RegistryError('VERIFY_FAILED', reportAs, first.key, `verification after commit failed: ${first.problem}${more}`);
  }
}

/** What must hold after the edits, replayed in order (later edits win). */
type Expectation =
  | { kind: 'value'; key: string[]; name: string; value: RegistryValue }
  | { kind: 'noValue'; key: string[]; name: string }
  | { kind: 'key'; key: string[] }
  | { kind: 'noKey'; key: string[] };

/** An expectation with the index of the edit that set it, to report mismatches in edit order. */
type OrderedExpectation = Expectation & { order: number };

/**
 * Replays the edits into the final state they describe, indexed by folded
 * key path (and value name) so that large edit lists stay linear.
 */
function expectedState(edits: readonly RegistryEdit[]): Expectation[] {
  const keys = new Map<string, OrderedExpectation>();
  const values = new Map<string, OrderedExpectation>();
  let order = 0;
  const valueId = (folded: string, name: string) => `${folded}\0${foldName(name)}`;
  // Ids of a key and of its values start with its folded path, then a
  // backslash (subkeys) or NUL (values).
  const isAtOrBelow = (id: string, folded: string) => id === folded || id.startsWith(`${folded}\\`) || id.startsWith(`${folded}\0`);
  const keyNowExists = (key: string[]) => {
    // The key and all its parents exist again: drop "key is gone" for any of them.
    for (let depth = 0; depth <= key.length; depth += 1) {
      const folded = foldName(joinKeyPath(key.slice(0, depth)));
      if (keys.get(folded)?.kind === 'noKey') keys.delete(folded);
    }
    keys.set(foldName(joinKeyPath(key)), { kind: 'key', key, order });
  };
  for (const [index, edit] of edits.entries()) {
    order = index;
    const key = splitKeyPath(edit.key) as string[];
    const folded = foldName(joinKeyPath(key));
    switch (edit.op) {
      case 'set':
        keyNowExists(key);
        values.delete(valueId(folded, edit.name));
        values.set(valueId(folded, edit.name), { kind: 'value', key, name: edit.name, value: edit.value, order });
        break;
      case 'deleteValue':
        values.delete(valueId(folded, edit.name));
        values.set(valueId(folded, edit.name), { kind: 'noValue', key, name: edit.name, order });
        break;
      case 'createKey':
        keyNowExists(key);
        break;
      case 'deleteKey':
        for (const map of [keys, values]) {
          for (const id of map.keys()) if (isAtOrBelow(id, folded)) map.delete(id);
        }
        keys.set(folded, { kind: 'noKey', key, order });
        break;
    }
  }
  return [...keys.values(), ...values.values()].sort((a, b) => a.order - b.order);
}

function checkExpectation(hive: Hive, expectation: Expectation): string | undefined {
  const path = joinKeyPath(expectation.key);
  switch (expectation.kind) {
    case 'key':
      return hive.hasKey(path) ? undefined : 'key is missing';
    case 'noKey':
      return hive.hasKey(path) ? 'key still exists' : undefined;
    case 'noValue':
      return hive.getRawValue(path, expectation.name) === null ? undefined : `value ${JSON.stringify(expectation.name)} still exists`;
    case 'value': {
      const stored = hive.getRawValue(path, expectation.name);
      const label = `value ${JSON.stringify(expectation.name)}`;
      if (stored === null) return `${label} is missing`;
      const expected = encodeValue(expectation.value);
      if (stored.code === expected.code && stored.bytes.equals(expected.bytes)) return undefined;
      return `${label} is type ${stored.code} with ${stored.bytes.length} bytes, expected ${renderRegistryValue(expectation.value)}`;
    }
  }
}

function applyEdit(hive: Hive, edit: RegistryEdit): RegistryChange {
  switch (edit.op) {
    case 'set': {
      const before = readOldValue(hive, edit.key, edit.name);
      const changed = before === null || !sameValue(before, edit.value);
      if (changed) hive.setValue(edit.key, edit.name, edit.value);
      return { op: 'set', key: edit.key, name: edit.name, before, after: edit.value, changed };
    }
    case 'deleteValue': {
      const before = readOldValue(hive, edit.key, edit.name);
      const changed = hive.deleteValue(edit.key, edit.name);
      return { op: 'deleteValue', key: edit.key, name: edit.name, before, changed };
    }
    case 'createKey': {
      const changed = !hive.hasKey(edit.key);
      if (changed) hive.ensureKey(edit.key);
      return { op: 'createKey', key: edit.key, changed };
    }
    case 'deleteKey':
      return { op: 'deleteKey', key: edit.key, changed: hive.deleteKey(edit.key) };
  }
}

/** The current value, or its raw bytes when it cannot be decoded as its type says. */
function readOldValue(hive: Hive, key: string, name: string): RegistryValue | null {
  try {
    return hive.getValue(key, name);
  } catch (error) {
    if (!(error instanceof RegistryError) || error.code !== 'VALUE_MALFORMED') throw error;
    const raw = hive.getRawValue(key, name);
    return raw && { type: 'REG_RAW', code: raw.code, data: raw.bytes };
  }
}

/** Rejects bad paths, names and values before anything is touched. */
function validateEdits(hivePath: string, edits: readonly RegistryEdit[]): void {
  edits.forEach((edit, index) => {
    const names = splitKeyPath(edit.key);
    if ('error' in names) throw new RegistryError('INVALID_KEY_PATH', hivePath, edit.key, `edit ${index + 1}: ${names.error}`);
    if (edit.op === 'deleteKey' && names.length === 0) {
      throw new RegistryError('INVALID_KEY_PATH', hivePath, edit.key, `edit ${index + 1}: the root key cannot be deleted`);
    }
    if ((edit.op === 'set' || edit.op === 'deleteValue') && edit.name.includes('\0')) {
      throw new RegistryError('INVALID_VALUE', hivePath, edit.key, `edit ${index + 1}: value name contains a NUL character`);
    }
    if (edit.op === 'set') {
      const problem = checkValue(edit.value);
      if (problem) throw new RegistryError('INVALID_VALUE', hivePath, edit.key, `edit ${index + 1}: value ${JSON.stringify(edit.name)}: ${problem}`);
    }
  });
}

/** Copies the hive into `backupDir` without overwriting an earlier copy. */
async function backUp(hivePath: string, backupDir: string): Promise<string> {
  try {
    await mkdir(backupDir, { recursive: true });
    for (let attempt = 0; ; attempt += 1) {
      const target = join(backupDir, attempt === 0 ? basename(hivePath) : `${basename(hivePath)}.${attempt}`);
      try {
        await copyFile(hivePath, target, fsConstants.COPYFILE_EXCL);
        return target;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  } catch (error) {
    throw new RegistryError('BACKUP_FAILED', hivePath, undefined, `cannot back up to ${backupDir}: ${(error as Error).message}`, { cause: error });
  }
}
