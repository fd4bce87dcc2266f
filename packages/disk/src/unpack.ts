/**
 * Compressed exports (`.ova` that is a gzip/xz/bzip2/zstd tar, a gzip'd
 * disk) cannot be read in place: they are unpacked into the scratch folder,
 * after checking there is room, with progress, digesting each file on the
 * way when a manifest already said which digest it needs.
 */
import { InputError, type DigestAlgorithm, type ProgressEvent } from '@hyper2kvm/core';
import { execa } from 'execa';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { decompress, type Compression } from './compression.js';
import { unpackedPackage, type ExportPackage, type PackageFile } from './export-package.js';
import { parseManifest } from './manifest.js';
import { resolveInside } from './safe-path.js';
import { requireSpace } from './scratch-space.js';
import { SparseFileWriter } from './sparse-writer.js';
import { readTarStream } from './tar-stream.js';

/** Where progress of an unpack goes, and what it is called there. */
export interface UnpackProgress {
  onProgress?: (event: ProgressEvent) => void;
  /** Step name in progress events (default `unpack`). */
  step?: string;
}

/** A readable over `path` that reports how many bytes of it have been read. */
function countingReader(path: string, onBytes: (bytes: number) => void): () => Readable {
  return () => counted(createReadStream(path, { highWaterMark: 1024 * 1024 }), onBytes);
}

function progressReporter(options: UnpackProgress, total: number, message: string): (bytes: number) => void {
  let last = -1;
  options.onProgress?.({ step: options.step ?? 'unpack', percent: 0, message });
  return (bytes) => {
    const percent = total > 0 ? Math.min(100, Math.floor((bytes / total) * 100)) : 100;
    if (percent === last) return;
    last = percent;
    options.onProgress?.({ step: options.step ?? 'unpack', percent, message });
  };
}

/**
 * How many bytes the decompressed content of `path` holds, when the format
 * records it: exactly for xz (its index), modulo 4 GiB for gzip (ISIZE, so
 * the smallest such size not below the compressed size is taken). Other
 * formats give the compressed size, a lower bound.
 */
export async function decompressedSize(path: string, compression: Compression, compressedSize: number): Promise<number> {
  if (compression === 'xz') {
    const listed = await execa('xz', ['--robot', '--list', '--', path], { reject: false, stdin: 'ignore' });
    const totals = listed.stdout.split('\n').find((line) => line.startsWith('totals\t'));
    const size = Number(totals?.split('\t')[4]);
    if (listed.exitCode === 0 && Number.isSafeInteger(size)) return size;
  }
  if (compression === 'gzip' && compressedSize >= 18) {
    const handle = await open(path, 'r');
    try {
      const tail = Buffer.alloc(4);
      await handle.read(tail, 0, 4, compressedSize - 4);
      const modulo = tail.readUInt32LE(0);
      const wraps = Math.max(0, Math.ceil((compressedSize - modulo) / 2 ** 32));
      return modulo + wraps * 2 ** 32;
    } finally {
      await handle.close();
    }
  }
  return compressedSize;
}

/**
 * Unpacks a compressed tar into `scratch` and returns its files as a
 * package. Every member name is checked to stay inside `scratch`.
 */
export async function unpackCompressedTar(
  path: string,
  compression: Compression,
  scratch: string,
  options: UnpackProgress & { shown: string },
): Promise<ExportPackage> {
  const { size } = await stat(path);
  await mkdir(scratch, { recursive: true });
  await requireSpace(scratch, await decompressedSize(path, compression, size), options.shown, `this ${compression}-compressed archive`);
  const progress = progressReporter(options, size, `unpacking ${posix.basename(path)} into the scratch folder`);
  const running = decompress(compression, countingReader(path, progress), options.shown);
  const hints = new DigestHints();
  const files: { name: string; size: number; digests: PackageFile['digests'] }[] = [];
  let writing: SparseFileWriter | undefined; // the member being written, closed if the stream breaks off
  try {
    await readTarStream(running.output, options.shown, async (member) => {
      const target = resolveInside(scratch, member.name);
      if (target === undefined) throw new InputError(options.shown, `member "${member.name}" would leave the archive folder`);
      if (files.some((file) => file.name === member.name)) throw new InputError(options.shown, `member "${member.name}" is in the archive twice`);
      await requireSpace(scratch, member.size, options.shown, `member "${member.name}"`);
      await mkdir(dirname(target), { recursive: true });
      const writer = await SparseFileWriter.create(target, hints.algorithmsFor(member.name));
      writing = writer;
      const manifestText: Buffer[] = [];
      const isManifest = member.name.toLowerCase().endsWith('.mf') && member.size < 1024 * 1024;
      return {
        write: async (chunk) => {
          if (isManifest) manifestText.push(chunk);
          await writer.write(chunk);
        },
        end: async () => {
          writing = undefined;
          files.push({ name: member.name, size: member.size, digests: await writer.close() });
          if (isManifest) hints.learn(member.name, Buffer.concat(manifestText).toString('utf8'));
        },
      };
    });
  } catch (error) {
    running.stop();
    await writing?.abort();
    throw withSpaceHint(error, options.shown, scratch);
  }
  progress(size);
  return unpackedPackage(path, `tar.${compression}`, scratch, files);
}

/**
 * Decompresses one file (a gzip'd disk: a file, an archive member, or the
 * chunks of one joined) to `target`, sparse. The manifest digests the
 * compressed bytes, so nothing is digested here.
 */
export async function decompressToFile(
  source: { input: () => Readable; compressedSize: number; path?: string },
  compression: Compression,
  target: string,
  options: UnpackProgress & { shown: string },
): Promise<number> {
  await mkdir(dirname(target), { recursive: true });
  const needed = source.path === undefined ? source.compressedSize : await decompressedSize(source.path, compression, source.compressedSize);
  await requireSpace(dirname(target), needed, options.shown, `the ${compression}-compressed disk`);
  const progress = progressReporter(options, source.compressedSize, `decompressing ${options.shown}`);
  const running = decompress(compression, () => counted(source.input(), progress), options.shown);
  const writer = await SparseFileWriter.create(target);
  try {
    for await (const chunk of running.output) await writer.write(chunk);
    await writer.close();
    return writer.bytesWritten;
  } catch (error) {
    running.stop();
    await writer.abort();
    await rm(target, { force: true });
    throw withSpaceHint(error, options.shown, dirname(target));
  }
}

/** Passes `source` through, reporting the bytes seen so far. */
function counted(source: Readable, onBytes: (bytes: number) => void): Readable {
  let total = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      onBytes(total);
      done(null, chunk);
    },
  });
  source.on('error', (error) => counter.destroy(error));
  return source.pipe(counter);
}

/** One stream of several package files, one after the other (the chunks of a chunked OVF file). */
export function joinedReader(parts: PackageFile[]): () => Readable {
  return () =>
    Readable.from(
      (async function* () {
        for (const part of parts) yield* part.read() as AsyncIterable<Buffer>;
      })(),
    );
}

/** Copies `parts` one after the other into `target` (a chunked OVF file), sparse. */
export async function concatenateToFile(parts: PackageFile[], target: string, options: UnpackProgress & { shown: string }): Promise<number> {
  const total = parts.reduce((sum, part) => sum + part.size, 0);
  await mkdir(dirname(target), { recursive: true });
  await requireSpace(dirname(target), total, options.shown, `${parts.length} chunks`);
  const progress = progressReporter(options, total, `joining ${parts.length} chunks of ${options.shown}`);
  const writer = await SparseFileWriter.create(target);
  try {
    let done = 0;
    for (const part of parts) {
      for await (const chunk of part.read() as AsyncIterable<Buffer>) {
        await writer.write(chunk);
        done += chunk.length;
        progress(done);
      }
    }
    await writer.close();
    return writer.bytesWritten;
  } catch (error) {
    await writer.abort();
    await rm(target, { force: true });
    throw withSpaceHint(error, options.shown, dirname(target));
  }
}

/** Streams a package file that cannot be read in place (a deflated zip member) into `target`. */
export async function extractToFile(
  file: PackageFile,
  target: string,
  algorithms: DigestAlgorithm[],
  options: UnpackProgress & { shown: string },
): Promise<PackageFile['digests']> {
  await mkdir(dirname(target), { recursive: true });
  await requireSpace(dirname(target), file.size, options.shown, `member "${file.name}"`);
  const progress = progressReporter(options, file.size, `unpacking ${file.name}`);
  const writer = await SparseFileWriter.create(target, algorithms);
  try {
    for await (const chunk of file.read() as AsyncIterable<Buffer>) {
      await writer.write(chunk);
      progress(writer.bytesWritten);
    }
    if (writer.bytesWritten !== file.size)
      throw new InputError(options.shown, `member "${file.name}" unpacks to ${writer.bytesWritten} bytes, its directory says ${file.size}`);
    return await writer.close();
  } catch (error) {
    await writer.abort();
    await rm(target, { force: true });
    throw withSpaceHint(error, options.shown, dirname(target));
  }
}

/** ENOSPC while unpacking, as one line saying where space ran out. */
function withSpaceHint(error: unknown, shown: string, folder: string): unknown {
  if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
    return new InputError(shown, `the scratch folder ${folder} ran out of space while unpacking (give a larger one with --work-dir)`, {
      code: 'SCRATCH_SPACE',
      cause: error,
    });
  }
  return error;
}

/** Which digest each member needs, learnt from manifests seen earlier in the same stream. */
class DigestHints {
  readonly #wanted = new Map<string, Set<DigestAlgorithm>>();

  learn(manifestName: string, text: string): void {
    const folder = posix.dirname(manifestName);
    for (const entry of parseManifest(text).entries) {
      const name = posix.normalize(posix.join(folder, entry.name));
      const set = this.#wanted.get(name) ?? new Set();
      set.add(entry.algorithm);
      this.#wanted.set(name, set);
    }
  }

  algorithmsFor(name: string): DigestAlgorithm[] {
    return [...(this.#wanted.get(posix.normalize(name)) ?? [])];
  }
}
