/**
 * Registry edits as data: what a plan proposes and `applyRegistryEdits`
 * carries out. Key paths are relative to the hive root; value name `''` is
 * the key's default value.
 */
import type { RegistryValue } from './value.js';

/** One edit of a hive. */
export type RegistryEdit =
  /** Sets a value, creating the key (and its parents) if needed. */
  | { op: 'set'; key: string; name: string; value: RegistryValue }
  /** Creates a key (and its parents) if it does not exist. */
  | { op: 'createKey'; key: string }
  /** Deletes a key with all its subkeys and values, if it exists. */
  | { op: 'deleteKey'; key: string }
  /** Deletes one value, if it exists, keeping the others. */
  | { op: 'deleteValue'; key: string; name: string };

/** What one edit did, for the report: `before` is `null` when there was no such value. */
export type RegistryChange =
  | { op: 'set'; key: string; name: string; before: RegistryValue | null; after: RegistryValue; changed: boolean }
  | { op: 'createKey'; key: string; changed: boolean }
  | { op: 'deleteKey'; key: string; changed: boolean }
  | { op: 'deleteValue'; key: string; name: string; before: RegistryValue | null; changed: boolean };
