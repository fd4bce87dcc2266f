/** A logger for tests that keeps what was logged, to check what a plugin did and in which order. */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** One log record as pino writes it. */
export interface LogRecord {
  msg: string;
  [key: string]: unknown;
}

/** A pino logger (level `info`) whose records are pushed onto `records`. */
export function recordingLogger(records: LogRecord[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) records.push(JSON.parse(line) as LogRecord);
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}
