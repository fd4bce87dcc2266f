/**
 * Errors with a stable `code` and a one-line message meant for people.
 * The CLI prints `message` alone (no stack) unless `--verbose`.
 */

/** Base class: every error hyper2kvm raises on purpose. */
export class Hyper2kvmError extends Error {
  /** Machine-readable reason, e.g. `CONFIG_INVALID`, `SOURCE_UNREADABLE`. */
  readonly code: string;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(code: string, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad configuration or usage: exit code 2, one line per problem. */
export class ConfigError extends Hyper2kvmError {
  /** One entry per problem, each already prefixed with the file and the config path. */
  readonly problems: string[];

  constructor(problems: string[], options: { cause?: unknown } = {}) {
    super('CONFIG_INVALID', problems.join('\n'), { ...options, exitCode: 2 });
    this.problems = problems;
  }
}

/** Bad command-line usage: exit code 2. */
export class UsageError extends Hyper2kvmError {
  constructor(message: string) {
    super('USAGE', message, { exitCode: 2 });
  }
}

/** Bad input file (source disk, OVF, VMX…): names the file and what is wrong. */
export class InputError extends Hyper2kvmError {
  readonly file: string;

  constructor(file: string, problem: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? 'INPUT_INVALID', `${file}: ${problem}`, options);
    this.file = file;
  }
}

/** A failure inside the guest-access layer (libguestfs, directory adapter). */
export class GuestFsError extends Hyper2kvmError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
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
    super('BLOCKED', message, { exitCode: 3 });
  }
}

/** Best one-line description of anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
