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

export interface RunLoggerOptions {
  /** JSON log file of this run; its folder is created. */
  file?: string;
  /** Where readable lines go (default stderr); `null` for none. */
  console?: NodeJS.WritableStream | null;
  verbose?: boolean;
  quiet?: boolean;
}

/** The logger of one CLI run. */
export function createRunLogger(options: RunLoggerOptions = {}): Logger {
  const streams: StreamEntry[] = [];
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    streams.push({ level: 'debug', stream: createWriteStream(options.file, { flags: 'a' }) });
  }
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
