/**
 * Real initramfs images for tests: newc archives written by GNU cpio and
 * compressed by the real host tools, the way initramfs-tools and dracut do.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

/** A newc cpio archive (`cpio -o -H newc`) of the given files, with their parent directories listed first. */
export async function newcArchive(files: Record<string, string | Buffer>): Promise<Buffer> {
  const root = await mkdtemp(join(tmpdir(), 'h2k-cpio-'));
  try {
    const names = new Set<string>();
    for (const [name, content] of Object.entries(files)) {
      await mkdir(join(root, dirname(name)), { recursive: true });
      await writeFile(join(root, name), content);
      const parts = name.split('/');
      for (let i = 1; i < parts.length; i++) names.add(parts.slice(0, i).join('/'));
      names.add(name);
    }
    const { stdout } = await execa('cpio', ['--quiet', '--null', '-o', '-H', 'newc'], { cwd: root, input: [...names].join('\0') + '\0', encoding: 'buffer' });
    return Buffer.from(stdout);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Host commands that compress stdin the way the initramfs tools call them. */
export const COMPRESSORS = {
  gzip: ['gzip', '-9', '-n', '-c'],
  zstd: ['zstd', '-q', '-19', '-c'],
  xz: ['xz', '--check=crc32', '-c'],
  lzma: ['xz', '--format=lzma', '-c'],
  bzip2: ['bzip2', '-9', '-c'],
  lzo: ['lzop', '-9', '-c'],
  lz4: ['lz4', '-l', '-9', '-c'],
} as const;

export async function compress(data: Buffer, compression: keyof typeof COMPRESSORS): Promise<Buffer> {
  const [command, ...args] = COMPRESSORS[compression];
  const { stdout } = await execa(command, args, { input: data, encoding: 'buffer' });
  return Buffer.from(stdout);
}

/** An early microcode archive as initramfs-tools and dracut prepend it, uncompressed. */
export function earlyMicrocode(): Promise<Buffer> {
  return newcArchive({ 'kernel/x86/microcode/GenuineIntel.bin': Buffer.alloc(5000, 0xa5), 'kernel/x86/microcode/.enuineIntel.align.0123456789abc': '' });
}
