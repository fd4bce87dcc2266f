/**
 * Errors with a stable `code` (from {@link ERROR_CODES}) and a one-line
 * message meant for people. The CLI prints `message` alone (no stack) unless
 * `--verbose`. Factories at the end build the errors raised in more than one
 * place, so one problem always reads the same.
 */
import { ERROR_CODES, type ErrorCode, type GuestFsErrorCode, type InputErrorCode } from './error-codes.js';

/** Base class: every error hyper2kvm raises on purpose. */
export class Hyper2kvmError extends Error {
  /** Machine-readable reason, a row of {@link ERROR_CODES}. */
  readonly code: ErrorCode;
  /** Process exit code the CLI uses for this error (from the code's row). */
  readonly exitCode: number;
  /** What the user can do about it, when something can be said; the CLI adds it to the error's line as `Fix: …`. */
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = ERROR_CODES[code].exitCode;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** Bad configuration or usage: exit code 2, one line per problem. */
export class ConfigError extends Hyper2kvmError {
  /** One entry per problem, each already prefixed with the file and the config path. */
  readonly problems: string[];

  constructor(problems: string[], options: { cause?: unknown } = {}) {
    super('CONFIG_INVALID', problems.join('\n'), options);
    this.problems = problems;
  }
}

/** Bad command-line usage: exit code 2. */
export class UsageError extends Hyper2kvmError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** Bad input file (source disk, OVF, VMX…): names the file and what is wrong. */
export class InputError extends Hyper2kvmError {
  readonly file: string;

  constructor(file: string, problem: string, options: { cause?: unknown; code?: InputErrorCode } = {}) {
    super(options.code ?? 'INPUT_INVALID', `${file}: ${problem}`, options);
    this.file = file;
  }
}

/** A failure inside the guest-access layer (libguestfs, directory adapter). */
export class GuestFsError extends Hyper2kvmError {
  constructor(message: string, options: { cause?: unknown; code?: GuestFsErrorCode } = {}) {
    super(options.code ?? 'GUESTFS', message, options);
  }
}

/** Something a plugin threw, attributed to the plugin and the hook it was running in. */
export class PluginError extends Hyper2kvmError {
  readonly plugin: string;
  readonly hook: string;

  constructor(plugin: string, hook: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('PLUGIN_FAILED', `plugin ${plugin} failed in ${hook}: ${reason}`, { cause });
    this.plugin = plugin;
    this.hook = hook;
  }
}

/** The plan has error findings: nothing is written, exit code 3. */
export class BlockedError extends Hyper2kvmError {
  constructor(message: string) {
    super('BLOCKED', message);
  }
}

/** Best one-line description of anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** What Node's system errors mean, in words (the rest keep their errno name). */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  ENOSPC: 'no space left on the device',
  EEXIST: 'already exists',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ELOOP: 'too many levels of symbolic links',
};

/** Whether `error` is one of Node's system errors (`code` `E…`, with `syscall`). */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/** A system error's reason in words (`no such file or directory`), its errno name when it has none. */
export function systemErrorWords(error: NodeJS.ErrnoException): string {
  const errno = error.code ?? 'EIO';
  return ERRNO_WORDS[errno] ?? errno;
}

/**
 * Any thrown value as a {@link Hyper2kvmError}: ours unchanged, a system
 * error as `SYSTEM` naming its path in words, anything else `undefined`
 * (a bug, shown as unexpected).
 */
export function asHyper2kvmError(error: unknown): Hyper2kvmError | undefined {
  if (error instanceof Hyper2kvmError) return error;
  if (!isSystemError(error)) return undefined;
  const where = error.path ?? error.syscall ?? 'a system call';
  return new Hyper2kvmError('SYSTEM', `${where}: ${systemErrorWords(error)} (${error.syscall} ${error.code ?? 'EIO'})`, { cause: error });
}

/** A snapshot or checkpoint chain that cannot be followed: `problem` names the link. */
export function snapshotChainBroken(file: string, problem: string): InputError {
  return new InputError(file, problem, { code: 'SNAPSHOT_CHAIN_BROKEN' });
}

/** A guest path refused before any call reaches the guest. */
export function guestPathInvalid(message: string): GuestFsError {
  return new GuestFsError(message, { code: 'GUEST_PATH_INVALID' });
}

/** What the CLI, reports and batch state record of a failure: the code of our table, the message, the exit code. */
export interface ErrorSummary {
  code: ErrorCode;
  message: string;
  exitCode: number;
  /** The error's hint, when it has one. */
  hint?: string;
}

/** Any thrown value summed up: ours (system errors wrapped) by its code, anything else as `UNEXPECTED`. */
export function summarizeError(error: unknown): ErrorSummary {
  const known = asHyper2kvmError(error);
  if (known) return { code: known.code, message: known.message, exitCode: known.exitCode, ...(known.hint !== undefined ? { hint: known.hint } : {}) };
  return { code: 'UNEXPECTED', message: describeError(error), exitCode: ERROR_CODES.UNEXPECTED.exitCode };
}
