import { describe, expect, it } from 'vitest';
import { InputError } from '@hyper2kvm/core';
import { compress, COMPRESSORS, earlyMicrocode, newcArchive } from '../../tests/initramfs-archives.js';
import { listInitramfsImage } from './list-initramfs.js';

const MAIN = {
  init: '#!/bin/sh\n',
  'usr/lib/modules/6.1.0-18-amd64/kernel/drivers/block/virtio_blk.ko': Buffer.alloc(70_000, 7),
  'usr/lib/modules/6.1.0-18-amd64/kernel/drivers/virtio/virtio_pci.ko.xz': Buffer.alloc(3000, 9),
};
const PATH = '/boot/initrd.img-6.1.0-18-amd64';

describe('listInitramfsImage', () => {
  it.each(Object.keys(COMPRESSORS) as (keyof typeof COMPRESSORS)[])('lists the early microcode archive and a %s main archive', async (compression) => {
    const image = Buffer.concat([await earlyMicrocode(), await compress(await newcArchive(MAIN), compression)]);
    const names = await listInitramfsImage(image, PATH);
    expect(names[0]).toBe('kernel');
    expect(names).toContain('kernel/x86/microcode/GenuineIntel.bin');
    expect(names).toContain('usr/lib/modules/6.1.0-18-amd64/kernel/drivers/block/virtio_blk.ko');
    expect(names).toContain('usr/lib/modules/6.1.0-18-amd64/kernel/drivers/virtio/virtio_pci.ko.xz');
    expect(names.at(-1)).toBe('usr/lib/modules/6.1.0-18-amd64/kernel/drivers/virtio/virtio_pci.ko.xz');
  });

  it('lists an uncompressed initramfs', async () => {
    expect(await listInitramfsImage(await newcArchive({ init: 'x', 'bin/sh': 'y' }), PATH)).toEqual(['init', 'bin', 'bin/sh']);
  });

  it('accepts zero padding after the compressed stream', async () => {
    const image = Buffer.concat([await compress(await newcArchive(MAIN), 'zstd'), Buffer.alloc(512)]);
    expect(await listInitramfsImage(image, PATH)).toContain('init');
  });

  it('names the file and the problem for what it cannot list', async () => {
    await expect(listInitramfsImage(Buffer.from('old initramfs'), PATH)).rejects.toThrow(
      new InputError(PATH, 'unknown initramfs compression at byte 0 (starts with 6f6c6420696e)'),
    );
    await expect(listInitramfsImage(Buffer.alloc(0), PATH)).rejects.toThrow(`${PATH}: initramfs is empty`);
    const truncated = await compress(await newcArchive(MAIN), 'zstd');
    await expect(listInitramfsImage(truncated.subarray(0, 60), PATH)).rejects.toThrow(
      /^\/boot\/initrd\.img-6\.1\.0-18-amd64: cannot list the zstd initramfs: zstd failed: /,
    );
    const gzip = await compress(await newcArchive(MAIN), 'gzip');
    await expect(listInitramfsImage(gzip.subarray(0, 40), PATH)).rejects.toThrow(/^\/boot\/initrd\.img-6\.1\.0-18-amd64: cannot list the gzip initramfs: /);
  });
});
