import { describe, expect, it } from 'vitest';
import { earlyMicrocode, newcArchive } from '../../tests/initramfs-archives.js';
import { CpioFormatError, CpioNameReader } from './cpio-names.js';

const FILES = {
  init: '#!/bin/sh\n',
  'usr/lib/modules/6.1.0-18-amd64/kernel/drivers/block/virtio_blk.ko': Buffer.alloc(1234, 1),
  'usr/lib/modules/6.1.0-18-amd64/modules.dep': 'kernel/drivers/block/virtio_blk.ko:\n',
};
const NAMES = [
  'init',
  'usr',
  'usr/lib',
  'usr/lib/modules',
  'usr/lib/modules/6.1.0-18-amd64',
  'usr/lib/modules/6.1.0-18-amd64/kernel',
  'usr/lib/modules/6.1.0-18-amd64/kernel/drivers',
  'usr/lib/modules/6.1.0-18-amd64/kernel/drivers/block',
  'usr/lib/modules/6.1.0-18-amd64/kernel/drivers/block/virtio_blk.ko',
  'usr/lib/modules/6.1.0-18-amd64/modules.dep',
];

function read(bytes: Buffer, chunkSize = bytes.length): CpioNameReader {
  const reader = new CpioNameReader();
  for (let at = 0; at < bytes.length; at += chunkSize) reader.push(bytes.subarray(at, at + chunkSize));
  return reader;
}

describe('CpioNameReader on archives written by GNU cpio', () => {
  it('lists every entry and skips the data, fed at once or one byte at a time', async () => {
    const archive = await newcArchive(FILES);
    for (const chunkSize of [archive.length, 1, 7, 4096]) {
      const reader = read(archive, chunkSize);
      expect([...reader.names].sort()).toEqual(NAMES);
      expect(reader.archives).toBe(1);
      expect(reader.complete).toBe(true);
      expect(reader.stoppedAt).toBeUndefined();
    }
  });

  it('reads concatenated archives with the 512-byte padding between them', async () => {
    const early = await earlyMicrocode();
    const reader = read(Buffer.concat([early, await newcArchive({ init: 'x' })]), 100);
    expect(reader.archives).toBe(2);
    expect(reader.names).toContain('kernel/x86/microcode/GenuineIntel.bin');
    expect(reader.names.at(-1)).toBe('init');
  });

  it('stops at the first byte after a trailer that is not padding nor a cpio magic', async () => {
    const early = await earlyMicrocode();
    const zstdMagic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]);
    const reader = read(Buffer.concat([early, zstdMagic]), 333);
    expect(reader.stoppedAt).toBe(early.length);
    expect(reader.names).toContain('kernel/x86/microcode/GenuineIntel.bin');
  });

  it('stops at byte 0 when the data does not start with a cpio archive', () => {
    const reader = read(Buffer.from([0x1f, 0x8b, 8, 0]));
    expect(reader.stoppedAt).toBe(0);
    expect(reader.names).toEqual([]);
    expect(reader.complete).toBe(false);
  });

  it('is not complete when the data ends inside an entry', async () => {
    const archive = await newcArchive(FILES);
    const reader = read(archive.subarray(0, 300));
    expect(reader.complete).toBe(false);
    expect(reader.archives).toBe(0);
  });

  it('throws on a header that is not newc (old binary or odc cpio)', async () => {
    const archive = await newcArchive(FILES);
    const odc = Buffer.from(archive);
    odc.write('070707', 0, 'latin1');
    expect(() => read(odc)).toThrow(CpioFormatError);
    expect(() => read(odc)).toThrow('not a newc cpio header at byte 0: magic "070707"');
  });
});
