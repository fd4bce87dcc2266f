/**
 * Whole-file compression of exports (`vm.ova.gz`, `.tar.xz`, a gzip disk
 * member): recognising it and decompressing while streaming.
 */
import { InputError } from '@hyper2kvm/core';
import { execa } from 'execa';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export type Compression = 'gzip' | 'xz' | 'bzip2' | 'zstd';

/** The decompressor each non-gzip format needs (from Debian's xz-utils, bzip2, zstd); gzip is zlib's. */
const TOOLS: Record<Exclude<Compression, 'gzip'>, string> = { xz: 'xz', bzip2: 'bzip2', zstd: 'zstd' };

/** The compression a file's first bytes announce, if any. */
export function compressionOf(head: Buffer): Compression | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 4 && head.toString('latin1', 0, 3) === 'BZh' && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return undefined;
}

/** A running decompression: its output, and a promise that settles when the decompressor has finished cleanly. */
export interface Decompression {
  output: AsyncIterable<Buffer>;
  finished: Promise<void>;
  /** Stops early (after reading only the head, for instance). */
  stop(): void;
}

/**
 * Decompresses the bytes `input()` streams (a file, or an archive member's
 * range): gzip with zlib, the others through their Debian tool reading
 * stdin. `shown` names the source in errors.
 */
export function decompress(compression: Compression, input: () => Readable, shown: string): Decompression {
  const corrupt = (error: unknown): InputError => {
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    // A copy that stopped early is the common case; say so instead of quoting the decompressor.
    if (/unexpected end|premature end|truncated/i.test(reason))
      return new InputError(shown, `is cut short: its ${compression} data ends early (${reason}); copy the file again`, { cause: error });
    return new InputError(shown, `is not valid ${compression} data (${reason})`, { cause: error });
  };
  const source = input();
  if (compression === 'gzip') {
    const gunzip = createGunzip();
    let failure: unknown;
    const finished = new Promise<void>((resolve, reject) => {
      gunzip.on('end', resolve);
      gunzip.on('close', () => (failure === undefined ? resolve() : reject(corrupt(failure))));
      gunzip.on('error', (error) => {
        failure = error;
        reject(corrupt(error));
      });
      source.on('error', (error) => {
        failure = error;
        gunzip.destroy(error);
      });
    });
    finished.catch(() => undefined);
    source.pipe(gunzip);
    return {
      output: guard(gunzip, finished),
      finished,
      stop: () => {
        source.destroy();
        gunzip.destroy();
      },
    };
  }
  const controller = new AbortController();
  const child = execa(TOOLS[compression], ['-d', '-c'], {
    stdin: 'pipe',
    stdout: 'pipe',
    buffer: { stdout: false, stderr: true },
    cancelSignal: controller.signal,
  });
  source.on('error', () => controller.abort());
  // A decompressor that stops reading early (corrupt data) closes its stdin: not our error.
  child.stdin?.on('error', () => undefined);
  source.pipe(child.stdin!);
  const finished = child.then(
    () => undefined,
    (error: unknown) => {
      if (controller.signal.aborted) return;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new InputError(shown, `is ${compression}-compressed and ${TOOLS[compression]} is not installed (run tools/setup.sh)`);
      throw corrupt(new Error(String((error as { stderr?: string }).stderr ?? error).trim()));
    },
  );
  finished.catch(() => undefined);
  return {
    output: guard(child.stdout!, finished),
    finished,
    stop: () => {
      source.destroy();
      controller.abort();
    },
  };
}

/** Yields a stream's chunks, then waits for the decompressor to finish so that a corrupt tail is an error. */
async function* guard(stream: AsyncIterable<Buffer>, finished: Promise<void>): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    await finished; // the decompressor's own error says more than the broken pipe
    throw error;
  }
  await finished;
}

/** The first `length` bytes of the decompressed content (fewer when it is shorter). */
export async function decompressedHead(compression: Compression, input: () => Readable, shown: string, length: number): Promise<Buffer> {
  const running = decompress(compression, input, shown);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of running.output) {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= length) break;
    }
  } finally {
    running.stop();
  }
  return Buffer.concat(chunks).subarray(0, length);
}
