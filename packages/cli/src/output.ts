/** Writing results: JSON for machines on stdout, text for people. */

export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The working directory commands resolve paths from. */
  cwd: string;
  /** Whether stderr is a terminal (progress display). */
  interactive: boolean;
}

export function printJson(io: CommandIO, value: unknown): void {
  io.stdout.write(JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item), 2) + '\n');
}
