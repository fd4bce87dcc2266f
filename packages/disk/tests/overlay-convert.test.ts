import { Hyper2kvmError } from '@hyper2kvm/core';
import type { VmDescription } from '@hyper2kvm/core';
import { execa, execaSync } from 'execa';
import { randomBytes } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDisk } from '../src/convert.js';
import { createOverlays } from '../src/overlay.js';
import { openSource } from '../src/source.js';
import { buildSmallExport, makeTempDir, qemuImg, removeDir, sameContent, sha256 } from './helpers/images.js';

let dir: string;
let raw: string;
let ova: string;
let vmdk: string;

beforeAll(async () => {
  dir = await makeTempDir('convert');
  ({ raw, vmdk, ova } = await buildSmallExport(dir));
});
afterAll(async () => removeDir(dir));

async function qemuIo(image: string, command: string): Promise<void> {
  await execa('qemu-io', ['-f', 'qcow2', '-c', command, image]);
}

describe('createOverlays', () => {
  it('takes writes for an OVA member and for a plain VMDK while the sources stay byte-identical', async () => {
    const before = { ova: await sha256(ova), vmdk: await sha256(vmdk) };
    const fromOva = (await openSource([ova])).vm;
    const fromDisk = (await openSource([vmdk])).vm;
    const vm: VmDescription = { ...fromOva, disks: [...fromOva.disks, ...fromDisk.disks] };
    const overlays = await createOverlays(vm, join(dir, 'work'));
    expect(overlays.map((overlay) => overlay.overlayPath)).toEqual([
      join(dir, 'work', 'disk0-disk1.overlay.qcow2'),
      join(dir, 'work', 'disk1-plain.overlay.qcow2'),
    ]);
    for (const overlay of overlays) {
      const info = JSON.parse(await qemuImg(['info', '--output=json', overlay.overlayPath])) as Record<string, unknown>;
      expect(info['backing-filename-format']).toBe('vmdk');
      expect(await sameContent(overlay.overlayPath, raw, { b: 'raw' })).toBe(true);
      await qemuIo(overlay.overlayPath, 'write -P 0xab 0 64k');
      await execa('qemu-io', ['-f', 'qcow2', '-c', 'read -P 0xab 0 64k', overlay.overlayPath]);
      expect(await sameContent(overlay.overlayPath, raw, { b: 'raw' })).toBe(false);
    }
    expect({ ova: await sha256(ova), vmdk: await sha256(vmdk) }).toEqual(before);
  });
});

describe('convertDisk', () => {
  let overlay: string;
  beforeAll(async () => {
    const [only] = await createOverlays((await openSource([vmdk])).vm, join(dir, 'work-convert'));
    overlay = only!.overlayPath;
    await qemuIo(overlay, 'write -P 0xcd 8M 128k');
  });

  it.each([
    { format: 'qcow2' as const, compress: false },
    { format: 'qcow2' as const, compress: true },
    { format: 'raw' as const, compress: false },
  ])('writes $format (compress: $compress) equal in content to its source, with progress', async ({ format, compress }) => {
    const to = join(dir, `out-${format}-${compress}.${format}`);
    const progress: number[] = [];
    const result = await convertDisk({
      from: overlay,
      fromFormat: 'qcow2',
      to,
      format,
      compress,
      parallel: { coroutines: 4, outOfOrder: true },
      onProgress: (percent) => progress.push(percent),
    });
    expect(result.path).toBe(to);
    expect(result.format).toBe(format);
    expect(result.sha256).toBe(await sha256(to));
    expect(result.bytes).toBe((await stat(to)).blocks * 512);
    expect(result.bytes).toBeLessThan(64 * 1024 * 1024); // sparse: the zero areas take no space
    expect(await sameContent(overlay, to, { a: 'qcow2', b: format })).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(100);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    if (format === 'qcow2') {
      const info = JSON.parse(await qemuImg(['info', '--output=json', to])) as { 'format-specific': { data: Record<string, unknown> } };
      expect(info['format-specific'].data['compat']).toBe('1.1');
      expect(info['format-specific'].data['compression-type']).toBe(compress ? 'zstd' : 'zlib');
    }
    expect((await readdir(dir)).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('aborted: kills qemu-img and leaves neither the final nor the partial file', async () => {
    const to = join(dir, 'aborted.qcow2');
    const controller = new AbortController();
    const conversion = convertDisk({
      from: overlay,
      fromFormat: 'qcow2',
      to,
      format: 'qcow2',
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(conversion).rejects.toMatchObject({ code: 'CONVERT_ABORTED' });
    const names = await readdir(dir);
    expect(names).not.toContain('aborted.qcow2');
    expect(names).not.toContain('aborted.qcow2.partial');
  });

  it('killed: qemu-img dying from SIGKILL mid-way leaves no file under the final name', async () => {
    // Incompressible data and zstd output keep qemu-img busy long enough to be killed.
    const busy = join(dir, 'busy.img');
    await writeFile(busy, randomBytes(48 * 1024 * 1024));
    const to = join(dir, 'killed.qcow2');
    let killed = false;
    const conversion = convertDisk({
      from: busy,
      fromFormat: 'raw',
      to,
      format: 'qcow2',
      compress: true,
      parallel: { coroutines: 1 },
      onProgress: () => {
        if (killed) return;
        const { stdout } = execaSync('pgrep', ['-P', String(process.pid), '-x', 'qemu-img'], { reject: false });
        const pids = stdout.split('\n').filter((line) => line !== '');
        for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
        killed = pids.length === 1;
      },
    });
    await expect(conversion).rejects.toMatchObject({ code: 'CONVERT_FAILED', message: expect.stringContaining('qemu-img was killed by SIGKILL') });
    expect(killed).toBe(true);
    const names = await readdir(dir);
    expect(names).not.toContain('killed.qcow2');
    expect(names).not.toContain('killed.qcow2.partial');
  });

  it('failed: a qemu-img error is one line and leaves no output', async () => {
    const to = join(dir, 'failed.qcow2');
    const error = await convertDisk({ from: join(dir, 'raw.img'), fromFormat: 'qcow2', to, format: 'qcow2' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Hyper2kvmError);
    expect((error as Hyper2kvmError).code).toBe('CONVERT_FAILED');
    expect((error as Error).message).toMatch(/raw\.img: conversion to .*failed\.qcow2 failed: .*qcow2/);
    expect((error as Error).message).not.toContain('\n');
    const names = await readdir(dir);
    expect(names.filter((name) => name.startsWith('failed.qcow2'))).toEqual([]);
  });

  it('refuses compression for raw output', async () => {
    await expect(convertDisk({ from: overlay, fromFormat: 'qcow2', to: join(dir, 'x.raw'), format: 'raw', compress: true })).rejects.toMatchObject({
      code: 'CONVERT_OPTIONS',
    });
  });
});
