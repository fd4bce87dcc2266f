/**
 * The one error type this package throws on purpose. It stays independent of
 * `@hyper2kvm/core` (this package is a leaf); the core can wrap it.
 */

/** Machine-readable reasons a registry operation fails. */
export type RegistryErrorCode =
  | 'HIVE_OPEN_FAILED'
  | 'HIVE_CREATE_FAILED'
  | 'HIVE_CLOSED'
  | 'HIVE_READ_ONLY'
  | 'COMMIT_FAILED'
  | 'INVALID_KEY_PATH'
  | 'INVALID_VALUE'
  | 'KEY_NOT_FOUND'
  | 'VALUE_MALFORMED'
  | 'HIVEX_CALL_FAILED'
  | 'VERIFY_FAILED'
  | 'BACKUP_FAILED';

/**
 * A registry failure, with a one-line message of the form
 * `<hive file>: <key path>: <problem>` (the key path is left out when the
 * failure concerns the whole file).
 */
export class RegistryError extends Error {
  /** Why it failed, stable for programs. */
  readonly code: RegistryErrorCode;
  /** The hive file concerned. */
  readonly hiveFile: string;
  /** The key path concerned, relative to the hive root, if any. */
  readonly keyPath: string | undefined;

  constructor(code: RegistryErrorCode, hiveFile: string, keyPath: string | undefined, problem: string, options: { cause?: unknown } = {}) {
    const where = keyPath === undefined ? hiveFile : `${hiveFile}: ${keyPath === '' ? '(root)' : keyPath}`;
    // Keep the message on one line even if a cause or a name brought a newline in.
    super(`${where}: ${problem}`.replace(/\s*\n\s*/g, ' '), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.hiveFile = hiveFile;
    this.keyPath = keyPath;
  }
}
