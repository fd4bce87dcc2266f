import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { compress, earlyMicrocode, newcArchive } from '../../tests/initramfs-archives.js';
import { readCpioEntries, S_IFREG, writeCpioArchive } from './cpio-archive.js';
import { canRecompress, packInitramfsImage, padTo4, unpackInitramfsImage } from './initramfs-image.js';
import { listInitramfsImage } from './list-initramfs.js';

const PATH = '/boot/initrd.img-6.1.0-18-amd64';
const MAIN = { init: '#!/bin/sh\n', 'conf/modules': 'dm_mod\n' };
const added = writeCpioArchive([
  { name: 'conf/modules', mode: S_IFREG | 0o644, uid: 0, gid: 0, nlink: 1, mtime: 0, data: Buffer.from('dm_mod\nvirtio_blk\n') },
]);

describe('unpackInitramfsImage and packInitramfsImage', () => {
  it.each(['gzip', 'zstd', 'xz', 'lz4'] as const)('keep the early archive byte for byte and recompress a %s main archive', async (compression) => {
    const early = await earlyMicrocode();
    const image = Buffer.concat([early, await compress(await newcArchive(MAIN), compression)]);
    const parts = await unpackInitramfsImage(image, PATH);
    expect(parts.compression).toBe(compression);
    expect(parts.early.equals(early)).toBe(true);
    expect(canRecompress(compression)).toBe(true);
    const rebuilt = await packInitramfsImage({ ...parts, main: Buffer.concat([padTo4(parts.main), added]) });
    expect(rebuilt.subarray(0, early.length).equals(early)).toBe(true);
    const names = await listInitramfsImage(rebuilt, PATH);
    expect(names.filter((name) => name === 'conf/modules')).toHaveLength(2);
    const again = await unpackInitramfsImage(rebuilt, PATH);
    const modules = readCpioEntries(again.main).filter((entry) => entry.name === 'conf/modules');
    expect(modules.at(-1)!.data.toString()).toBe('dm_mod\nvirtio_blk\n');
  });

  it('writes xz with the CRC32 check the kernel decoder needs', async () => {
    const parts = await unpackInitramfsImage(await compress(await newcArchive(MAIN), 'xz'), PATH);
    const image = await packInitramfsImage(parts);
    // The stream flags after the 6-byte magic: 0x00, then the check type (0x01: CRC32, xz's default is 0x04: CRC64).
    expect([image[6], image[7]]).toEqual([0x00, 0x01]);
    await execa('xz', ['-t', '-q'], { input: image });
  });

  it('appends to a plain cpio image after padding it to four bytes', async () => {
    const plain = Buffer.concat([await newcArchive(MAIN), Buffer.from([0])]);
    const parts = await unpackInitramfsImage(plain, PATH);
    expect(parts.compression).toBeNull();
    const rebuilt = await packInitramfsImage({ ...parts, main: added });
    expect(rebuilt.length).toBe(plain.length + 3 + added.length);
    expect(readCpioEntries(rebuilt).at(-1)!.data.toString()).toBe('dm_mod\nvirtio_blk\n');
  });

  it('leaves out what it cannot write back', async () => {
    expect(canRecompress('bzip2')).toBe(false);
    const parts = await unpackInitramfsImage(await compress(await newcArchive(MAIN), 'bzip2'), PATH);
    await expect(packInitramfsImage(parts)).rejects.toThrow('writing bzip2 initramfs images is not supported');
  });

  it('names the image when it cannot be read', async () => {
    await expect(unpackInitramfsImage(Buffer.from('garbage bytes here'), PATH)).rejects.toThrow(`${PATH}: unknown initramfs compression`);
  });
});
