/** The logger of one command: readable lines on stderr, JSON lines to a file when asked. */
import { createRunLogger, type Logger } from '@hyper2kvm/core';
import type { CommandIO } from './output.js';

export function commandLogger(io: CommandIO, flags: { verbose?: boolean; quiet?: boolean; json?: boolean }, file?: string): Logger {
  // With --json, stdout carries the document; keep stderr for warnings only.
  return createRunLogger({ console: io.stderr, verbose: Boolean(flags.verbose), quiet: Boolean(flags.quiet || flags.json), ...(file ? { file } : {}) });
}
