/** Writing results: JSON for machines on stdout, text for people. */

export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The working directory commands resolve paths from. */
  cwd: string;
  /** Whether stderr is a terminal (progress display). */
  interactive: boolean;
}

/**
 * A JSON document (indented, final newline). Facts and plans may hold
 * bigints (a plugin's BCD partition offset, a REG_QWORD): written as decimal
 * strings, since JSON.stringify throws on them.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item), 2) + '\n';
}

export function printJson(io: CommandIO, value: unknown): void {
  io.stdout.write(jsonText(value));
}
