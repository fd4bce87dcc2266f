/**
 * Runs the built hyper2kvm binary on a pseudo-terminal (util-linux `script`),
 * as a user at a terminal would, and returns everything it drew: the raw
 * bytes, escape codes included.
 */
import { join } from 'node:path';
import { execa } from 'execa';

const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');

/** A word for `sh -c`, whatever it holds. */
function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface TerminalRun {
  code: number;
  /** What the terminal received (stdout and stderr, as a terminal shows them interleaved). */
  screen: string;
}

/** `script` gives the command a pty of its own; its own stdout carries the session, its exit code the command's (-e). */
export async function runInTerminal(argv: string[], options: { cwd: string; env?: Record<string, string> }): Promise<TerminalRun> {
  // A pty made without a terminal has no size: give it a wide one, as a terminal window would have.
  const command = `stty cols 200 rows 50; ${['exec', 'node', BIN, ...argv].map(shellWord).join(' ')}`;
  const result = await execa('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
    cwd: options.cwd,
    env: { LIBGUESTFS_BACKEND: 'direct', ...options.env },
    reject: false,
    stdin: 'ignore',
  });
  return { code: result.exitCode ?? -1, screen: String(result.stdout) };
}

/** The escape sequences a terminal acts on (CSI and the two-byte ones). */
export const ESCAPE = /\x1b[[\]()#;?]*[0-9;?]*[A-Za-z@`]|\x1b[78=>]/;
