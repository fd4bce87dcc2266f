/**
 * Takes an initramfs image apart into its early uncompressed archives and
 * its decompressed main archive, and puts it back together, compressed the
 * way the kernel reads it. Everything runs on the host with the host's own
 * compressors; nothing from the guest is executed.
 */
import { execa } from 'execa';
import { InputError } from '@hyper2kvm/core';
import { DECOMPRESS_COMMANDS, type InitramfsCompression } from './compression.js';
import { splitInitramfsImage } from './list-initramfs.js';

/** An initramfs image, taken apart. */
export interface InitramfsImageParts {
  /** Bytes before the main archive (CPU microcode, ACPI tables), kept byte for byte; the whole image when it is not compressed. */
  early: Buffer;
  /** Compression of the main archive; `null` when the image is plain cpio throughout. */
  compression: InitramfsCompression | null;
  /** The main archive, decompressed (empty when `compression` is `null`). */
  main: Buffer;
}

/**
 * Host commands that compress stdin into a stream the kernel unpacks: xz
 * with the CRC32 check the kernel's decoder wants, lz4 in its legacy frame.
 * Formats left out (lzma, bzip2, lzo) are rare in initramfs images and are
 * not written back.
 */
export const COMPRESS_COMMANDS: Partial<Record<InitramfsCompression, [string, ...string[]]>> = {
  gzip: ['gzip', '-n', '-6', '-c'],
  zstd: ['zstd', '-q', '-c', '-T0'],
  xz: ['xz', '-q', '-c', '--check=crc32'],
  lz4: ['lz4', '-q', '-l', '-c'],
};

const GZIP_DECOMPRESS: [string, ...string[]] = ['gzip', '-d', '-c', '-q'];

/** True when {@link packInitramfsImage} can write an image of this compression. */
export function canRecompress(compression: InitramfsCompression | null): boolean {
  return compression === null || COMPRESS_COMMANDS[compression] !== undefined;
}

/**
 * Splits an image read from the guest. `path` names it in errors.
 * @throws {InputError} when the image is empty, not cpio, of an unknown compression or does not decompress.
 */
export async function unpackInitramfsImage(image: Buffer, path: string): Promise<InitramfsImageParts> {
  const { early, compressed: found } = splitInitramfsImage(image, path);
  if (found === null) return { early: image, compression: null, main: Buffer.alloc(0) };
  const { bytes: compressed, compression } = found;
  const [command, ...args] = compression === 'gzip' ? GZIP_DECOMPRESS : DECOMPRESS_COMMANDS[compression];
  const result = await execa(command, args, { input: compressed, encoding: 'buffer', reject: false, maxBuffer: 2 * 1024 * 1024 * 1024 });
  const main = Buffer.from(result.stdout);
  // Decompressors complain about the zero padding some tools leave after the stream; what came out still counts.
  if (result.failed && main.length === 0) {
    const reason =
      result.code === 'ENOENT'
        ? `${command} is not installed on this host`
        : `${command} failed: ${Buffer.from(result.stderr).toString().trim().split('\n').pop()}`;
    throw new InputError(path, `cannot decompress the ${compression} initramfs: ${reason}`);
  }
  return { early: image.subarray(0, early.stoppedAt), compression, main };
}

/** Pads to a multiple of four bytes: the kernel reads a cpio header only at such an offset. */
export function padTo4(bytes: Buffer): Buffer {
  const padding = (4 - (bytes.length % 4)) % 4;
  return padding === 0 ? bytes : Buffer.concat([bytes, Buffer.alloc(padding)]);
}

/**
 * The image bytes for `parts`: the early archives as they were, then the main
 * archive compressed again with its own format.
 * @throws {Error} when the format has no compressor here ({@link canRecompress}) or it fails.
 */
export async function packInitramfsImage(parts: InitramfsImageParts): Promise<Buffer> {
  if (parts.compression === null) return Buffer.concat([padTo4(parts.early), parts.main]);
  const command = COMPRESS_COMMANDS[parts.compression];
  if (!command) throw new Error(`writing ${parts.compression} initramfs images is not supported`);
  const [file, ...args] = command;
  const { stdout } = await execa(file, args, { input: parts.main, encoding: 'buffer', maxBuffer: 2 * 1024 * 1024 * 1024 });
  return Buffer.concat([parts.early, Buffer.from(stdout)]);
}
