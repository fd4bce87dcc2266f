/**
 * Writes a stream of bytes to a new file, leaving holes where whole blocks
 * are zero: unpacked raw disks then take the space of their data only.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { DigestAlgorithm } from '@hyper2kvm/core';
import { nodeHashName } from './manifest.js';

const HOLE_BLOCK = 64 * 1024;
const ZEROS = Buffer.alloc(HOLE_BLOCK);

export class SparseFileWriter {
  readonly #handle: FileHandle;
  readonly #hashes: Map<DigestAlgorithm, Hash>;
  #position = 0;

  private constructor(handle: FileHandle, algorithms: DigestAlgorithm[]) {
    this.#handle = handle;
    this.#hashes = new Map(algorithms.map((algorithm) => [algorithm, createHash(nodeHashName(algorithm))]));
  }

  /** Creates `path` (it must not exist) and digests what is written with `algorithms`. */
  static async create(path: string, algorithms: DigestAlgorithm[] = []): Promise<SparseFileWriter> {
    return new SparseFileWriter(await open(path, 'wx'), algorithms);
  }

  get bytesWritten(): number {
    return this.#position;
  }

  async write(chunk: Buffer): Promise<void> {
    for (const hash of this.#hashes.values()) hash.update(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      // Align blocks to the file, so a hole is always a whole block of the output.
      const length = Math.min(chunk.length - offset, HOLE_BLOCK - (this.#position % HOLE_BLOCK));
      const piece = chunk.subarray(offset, offset + length);
      if (!(length === HOLE_BLOCK && piece.equals(ZEROS))) await this.#handle.write(piece, 0, length, this.#position);
      this.#position += length;
      offset += length;
    }
  }

  /** Sets the final size (trailing holes), closes the file and returns the digests. */
  async close(): Promise<Partial<Record<DigestAlgorithm, string>>> {
    try {
      await this.#handle.truncate(this.#position);
    } finally {
      await this.#handle.close();
    }
    return Object.fromEntries([...this.#hashes].map(([algorithm, hash]) => [algorithm, hash.digest('hex')]));
  }

  /** Closes without finishing (after a failure). */
  async abort(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
  }
}
