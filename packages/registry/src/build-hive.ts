/**
 * Builds a hive from scratch, for the phony Windows guests of the test
 * images: an empty hive plus keys and values, verified like any other edit.
 */
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createEmptyHive, type CreateHiveOptions } from './create-hive.js';
import { applyRegistryEdits } from './edit.js';
import type { RegistryEdit } from './edit-types.js';
import type { RegistryValue } from './value.js';

/** One key of a hive to build, with its values by name (`''` is the default value). */
export interface HiveEntry {
  key: string;
  values?: Record<string, RegistryValue>;
}

/**
 * Writes a new hive at `path` (replacing any file there) whose root key is
 * `rootName` and which holds `entries`, in order. The hive is built under a
 * temporary name and renamed at the end. Pass `options.timestamp` to get the
 * same bytes from the same entries every time.
 */
export async function buildHive(path: string, rootName: string, entries: readonly HiveEntry[], options: CreateHiveOptions = {}): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.building`);
  try {
    await createEmptyHive(temporary, rootName, { fileName: basename(path), ...options });
    await applyRegistryEdits(temporary, entriesToEdits(entries));
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

/** The edits that create `entries`: each key, then each of its values. */
export function entriesToEdits(entries: readonly HiveEntry[]): RegistryEdit[] {
  return entries.flatMap((entry): RegistryEdit[] => [
    { op: 'createKey', key: entry.key },
    ...Object.entries(entry.values ?? {}).map(([name, value]): RegistryEdit => ({ op: 'set', key: entry.key, name, value })),
  ]);
}
