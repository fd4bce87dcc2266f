import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeImage } from '../src/probe.js';
import { IMAGE_SIZE, buildRawImage, convertImage, makeTempDir, qemuImg, removeDir } from './helpers/images.js';

let dir: string;
let raw: string;

beforeAll(async () => {
  dir = await makeTempDir('probe');
  raw = await buildRawImage(join(dir, 'source.img'));
});
afterAll(async () => removeDir(dir));

describe('probeImage detects the format from the content', () => {
  it.each(['monolithicSparse', 'streamOptimized', 'twoGbMaxExtentSparse', 'monolithicFlat'])('VMDK %s', async (subformat) => {
    const path = await convertImage(raw, join(dir, `${subformat}.vmdk`), 'vmdk', subformat);
    const probe = await probeImage(path);
    expect(probe).toMatchObject({ format: 'vmdk', virtualSize: IMAGE_SIZE, vmdkSubformat: subformat, backingChain: [] });
    expect(probe.actualSize).toBeGreaterThan(0);
  });

  it('lists the extents of descriptor-based VMDKs', async () => {
    const split = await probeImage(await convertImage(raw, join(dir, 'split.vmdk'), 'vmdk', 'twoGbMaxExtentSparse'));
    expect(split.extents).toEqual([{ path: join(dir, 'split-s001.vmdk'), type: 'SPARSE', sectors: IMAGE_SIZE / 512 }]);
    const flat = await probeImage(await convertImage(raw, join(dir, 'flat.vmdk'), 'vmdk', 'monolithicFlat'));
    expect(flat.extents).toEqual([{ path: join(dir, 'flat-flat.vmdk'), type: 'FLAT', sectors: IMAGE_SIZE / 512 }]);
  });

  it.each([
    ['vhdx', 'disk.vhdx', 'vhdx'],
    ['vpc', 'disk.vhd', 'vpc'],
    ['qcow2', 'disk.qcow2', 'qcow2'],
  ])('%s', async (format, name, expected) => {
    const probe = await probeImage(await convertImage(raw, join(dir, name), format));
    expect(probe.format).toBe(expected);
    // VHD rounds the size up to its CHS geometry.
    expect(probe.virtualSize).toBeGreaterThanOrEqual(IMAGE_SIZE);
    expect(probe.vmdkSubformat).toBeUndefined();
  });

  it('raw, and ignores a misleading name', async () => {
    expect(await probeImage(raw)).toMatchObject({ format: 'raw', virtualSize: IMAGE_SIZE });
    const qcow2 = await convertImage(raw, join(dir, 'looks-raw.qcow2'), 'qcow2');
    await copyFile(qcow2, join(dir, 'looks-raw.img'));
    expect((await probeImage(join(dir, 'looks-raw.img'))).format).toBe('qcow2');
  });
});

describe('probeImage follows snapshot chains', () => {
  it('a VMDK delta disk and its parent', async () => {
    await convertImage(raw, join(dir, 'base.vmdk'), 'vmdk', 'monolithicSparse');
    await qemuImg(['create', '-q', '-f', 'vmdk', '-b', 'base.vmdk', '-F', 'vmdk', 'base-000001.vmdk'], dir);
    const probe = await probeImage(join(dir, 'base-000001.vmdk'));
    expect(probe.format).toBe('vmdk');
    expect(probe.backingChain).toEqual([{ path: join(dir, 'base.vmdk'), format: 'vmdk' }]);
  });

  it('a two-level qcow2 chain', async () => {
    await convertImage(raw, join(dir, 'layer0.qcow2'), 'qcow2');
    await qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'layer0.qcow2', '-F', 'qcow2', 'layer1.qcow2'], dir);
    await qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'layer1.qcow2', '-F', 'qcow2', 'layer2.qcow2'], dir);
    const probe = await probeImage(join(dir, 'layer2.qcow2'));
    expect(probe.backingChain).toEqual([
      { path: join(dir, 'layer1.qcow2'), format: 'qcow2' },
      { path: join(dir, 'layer0.qcow2'), format: 'qcow2' },
    ]);
  });
});
