/** The compressions the Linux kernel can unpack an initramfs from, told by their magic bytes. */

export type InitramfsCompression = 'gzip' | 'zstd' | 'xz' | 'lzma' | 'bzip2' | 'lzo' | 'lz4';

/** Leading bytes of each format (lz4: the legacy frame the kernel's `lz4 -l` writes, and the standard frame). */
const MAGICS: [InitramfsCompression, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['gzip', [0x1f, 0x9e]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['lzo', [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['lz4', [0x02, 0x21, 0x4c, 0x18]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  // lzma "alone" files have no magic; their first byte is the usual properties byte 0x5d, then a dictionary size.
  ['lzma', [0x5d, 0x00, 0x00]],
];

/** The compression of the data starting at `bytes[0]`, or `null` when no known magic matches. */
export function compressionOf(bytes: Uint8Array): InitramfsCompression | null {
  for (const [compression, magic] of MAGICS) {
    if (bytes.length >= magic.length && magic.every((byte, index) => bytes[index] === byte)) return compression;
  }
  return null;
}

/**
 * Host command that decompresses each format from stdin to stdout. `xz`
 * reads lzma files too; gzip is handled in-process by node:zlib instead.
 */
export const DECOMPRESS_COMMANDS: Record<Exclude<InitramfsCompression, 'gzip'>, [string, ...string[]]> = {
  zstd: ['zstd', '-d', '-c', '-q'],
  xz: ['xz', '-d', '-c', '-q'],
  lzma: ['xz', '-d', '-c', '-q', '--format=lzma'],
  bzip2: ['bzip2', '-d', '-c', '-q'],
  lzo: ['lzop', '-d', '-c', '-q'],
  lz4: ['lz4', '-d', '-c', '-q'],
};
