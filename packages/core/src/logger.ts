/**
 * Logging: JSON lines to a file per run (for machines and bug reports) and
 * short readable lines on a terminal (for people).
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { multistream, pino, stdTimeFunctions, type Logger, type StreamEntry } from 'pino';

const levelNames: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** A logger that drops everything (library use, tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Formats pino's JSON lines as `level [plugin] message` for a terminal. */
class HumanLines extends Writable {
  readonly #out: NodeJS.WritableStream;

  constructor(out: NodeJS.WritableStream) {
    super();
    this.#out = out;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      try {
        const record = JSON.parse(line) as { level: number; msg?: string; plugin?: string; err?: { message?: string } };
        const level = levelNames[record.level] ?? String(record.level);
        const prefix = level === 'info' ? '' : `${level}: `;
        const plugin = record.plugin ? `[${record.plugin.replace('@hyper2kvm/plugin-', '')}] ` : '';
        this.#out.write(`${prefix}${plugin}${record.msg ?? record.err?.message ?? ''}\n`);
      } catch {
        this.#out.write(line + '\n');
      }
    }
    done();
  }
}

/**
 * A log file created on the first line written, so a run that fails before
 * logging anything (a bad source) leaves no folder or file behind.
 */
class LazyFile extends Writable {
  readonly #path: string;
  #stream: NodeJS.WritableStream | undefined;

  constructor(path: string) {
    super();
    this.#path = path;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (!this.#stream) {
      mkdirSync(dirname(this.#path), { recursive: true });
      this.#stream = createWriteStream(this.#path, { flags: 'a' });
    }
    this.#stream.write(chunk, (error) => done(error ?? null));
  }
}

export interface RunLoggerOptions {
  /** JSON log file of this run; it and its folder are created on the first line. */
  file?: string;
  /** Where readable lines go (default stderr); `null` for none. */
  console?: NodeJS.WritableStream | null;
  verbose?: boolean;
  quiet?: boolean;
}

/** The logger of one CLI run. */
export function createRunLogger(options: RunLoggerOptions = {}): Logger {
  const streams: StreamEntry[] = [];
  if (options.file) streams.push({ level: 'debug', stream: new LazyFile(options.file) });
  const consoleOut = options.console === undefined ? process.stderr : options.console;
  if (consoleOut && !options.quiet) {
    streams.push({ level: options.verbose ? 'debug' : 'info', stream: new HumanLines(consoleOut) });
  } else if (consoleOut && options.quiet) {
    streams.push({ level: 'error', stream: new HumanLines(consoleOut) });
  }
  if (streams.length === 0) return silentLogger();
  return pino({ level: 'debug', base: undefined, timestamp: stdTimeFunctions.isoTime }, multistream(streams));
}

export type { Logger };
