import { InputError } from '@hyper2kvm/core';
import { execa } from 'execa';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeImage } from '../src/probe.js';
import { openSource } from '../src/source.js';
import { buildTar } from './helpers/tar-writer.js';
import { buildRawImage, convertImage, makeTempDir, qemuImg, removeDir } from './helpers/images.js';

let dir: string;
let raw: string;

beforeAll(async () => {
  dir = await makeTempDir('bad');
  raw = await buildRawImage(join(dir, 'source.img'));
});
afterAll(async () => removeDir(dir));

/** Runs `open` and returns the InputError it must raise, checking it is one line naming `file`. */
async function inputError(open: () => Promise<unknown>, file: string): Promise<string> {
  const error = await open().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputError);
  const message = (error as InputError).message;
  expect(message.startsWith(`${file}: `)).toBe(true);
  expect(message).not.toContain('\n');
  expect((error as InputError).exitCode).toBe(1);
  return message;
}

async function prefix(path: string, bytes: number, to: string): Promise<string> {
  await writeFile(to, (await readFile(path)).subarray(0, bytes));
  return to;
}

describe('bad disk images', () => {
  it.each(['empty.vmdk', 'empty.img'])('zero-byte file %s', async (name) => {
    const path = join(dir, name);
    await writeFile(path, '');
    expect(await inputError(() => probeImage(path), path)).toBe(`${path}: empty file (0 bytes)`);
  });

  it('random bytes named .vmdk are refused, named .img are raw', async () => {
    const bytes = Buffer.from(Array.from({ length: 1 << 20 }, (_, index) => (index * 2654435761) >>> 24));
    const vmdk = join(dir, 'random.vmdk');
    const img = join(dir, 'random.img');
    await writeFile(vmdk, bytes);
    await writeFile(img, bytes);
    expect(await inputError(() => probeImage(vmdk), vmdk)).toBe(`${vmdk}: not a VMDK: content is raw data`);
    expect((await probeImage(img)).format).toBe('raw');
  });

  it('random bytes named .vhdx or .qcow2 are refused too', async () => {
    const path = join(dir, 'random.vhdx');
    await writeFile(path, Buffer.alloc(65536, 0x5a));
    expect(await inputError(() => probeImage(path), path)).toBe(`${path}: not a VHDX: content is raw data`);
  });

  it('a VMDK cut inside its metadata', async () => {
    const full = await convertImage(raw, join(dir, 'whole.vmdk'), 'vmdk', 'monolithicSparse');
    const cut = await prefix(full, 20_000, join(dir, 'cut-header.vmdk'));
    expect(await inputError(() => probeImage(cut), cut)).toMatch(/truncated/);
  });

  it.each(['monolithicSparse', 'streamOptimized'])('a %s VMDK cut inside its data', async (subformat) => {
    const full = await convertImage(raw, join(dir, `full-${subformat}.vmdk`), 'vmdk', subformat);
    // qemu puts the metadata in the first 64 KiB and the grains after it.
    const cut = await prefix(full, 65536 + 100, join(dir, `cut-${subformat}.vmdk`));
    expect(await inputError(() => probeImage(cut), cut)).toMatch(/: VMDK is truncated: /);
  });

  it('a flat extent shorter than its descriptor says', async () => {
    const sub = join(dir, 'short');
    await mkdir(sub);
    const descriptor = await convertImage(raw, join(sub, 'disk.vmdk'), 'vmdk', 'monolithicFlat');
    await prefix(join(sub, 'disk-flat.vmdk'), 1 << 20, join(sub, 'disk-flat.vmdk'));
    expect(await inputError(() => probeImage(descriptor), descriptor)).toMatch(/extent "disk-flat.vmdk" is truncated/);
  });

  it('a missing extent file', async () => {
    const sub = join(dir, 'missing');
    await mkdir(sub);
    const descriptor = await convertImage(raw, join(sub, 'disk.vmdk'), 'vmdk', 'twoGbMaxExtentSparse');
    await execa('rm', [join(sub, 'disk-s001.vmdk')]);
    expect(await inputError(() => probeImage(descriptor), descriptor)).toBe(`${descriptor}: extent "disk-s001.vmdk" is missing`);
  });

  it.each([
    ['../outside-flat.vmdk', 'relative'],
    ['/etc/passwd', 'absolute'],
  ])('a descriptor whose extent is %s (%s)', async (extent) => {
    const sub = join(dir, `escape-${extent.length}`);
    await mkdir(sub);
    const descriptor = await convertImage(raw, join(sub, 'disk.vmdk'), 'vmdk', 'monolithicFlat');
    const text = (await readFile(descriptor, 'utf8')).replace('"disk-flat.vmdk"', `"${extent}"`);
    await writeFile(descriptor, text);
    expect(await inputError(() => probeImage(descriptor), descriptor)).toBe(`${descriptor}: extent "${extent}" would leave the descriptor's folder`);
  });

  it('a snapshot whose parent lies outside its folder', async () => {
    const sub = join(dir, 'snapshot');
    await mkdir(sub);
    await qemuImg(['create', '-q', '-f', 'qcow2', '-b', raw, '-F', 'raw', join(sub, 'child.qcow2')]);
    const child = join(sub, 'child.qcow2');
    expect(await inputError(() => probeImage(child), child)).toBe(`${child}: backing file "${raw}" would leave the image's folder`);
  });

  it('a path that does not exist', async () => {
    const path = join(dir, 'nope.vmdk');
    expect(await inputError(() => probeImage(path), path)).toBe(`${path}: no such file`);
  });
});

describe('bad descriptors and archives', () => {
  it('an OVA with a member named ../x', async () => {
    const ova = join(dir, 'escape.ova');
    await writeFile(
      ova,
      buildTar([
        { name: 'vm.ovf', data: Buffer.from('<Envelope/>') },
        { name: '../x', data: Buffer.from('x') },
      ]),
    );
    expect(await inputError(() => openSource([ova]), ova)).toBe(`${ova}: member "../x" would leave the archive folder`);
  });

  const ENTITY_OVF =
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n' +
    '<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"><VirtualSystem><Name>&e;</Name></VirtualSystem></Envelope>\n';

  it('an OVF with an external entity', async () => {
    const ovf = join(dir, 'entity.ovf');
    await writeFile(ovf, ENTITY_OVF);
    expect(await inputError(() => openSource([ovf]), ovf)).toBe(`${ovf}: OVF declares XML entities (<!ENTITY>), which are refused`);
  });

  it('an OVA whose OVF has an external entity', async () => {
    const ova = join(dir, 'entity.ova');
    await writeFile(ova, buildTar([{ name: 'vm.ovf', data: Buffer.from(ENTITY_OVF) }]));
    expect(await inputError(() => openSource([ova]), ova)).toMatch(/OVF declares XML entities/);
  });

  it('an OVA that is not a tar archive, and one without an OVF', async () => {
    const junk = join(dir, 'junk.ova');
    await writeFile(junk, Buffer.alloc(4096, 0x11));
    expect(await inputError(() => openSource([junk]), junk)).toBe(`${junk}: not an OVA: the content is not a tar or zip archive, plain or compressed`);
    const noOvf = join(dir, 'no-ovf.ova');
    await writeFile(noOvf, buildTar([{ name: 'disk.vmdk', data: Buffer.alloc(512) }]));
    expect(await inputError(() => openSource([noOvf]), noOvf)).toBe(`${noOvf}: not an OVA: the archive has no .ovf member`);
  });

  it('a VMX pointing at a disk outside its folder, or at a missing disk', async () => {
    const sub = join(dir, 'vmx');
    await mkdir(sub);
    const vmx = join(sub, 'vm.vmx');
    await writeFile(vmx, 'displayName = "vm"\nscsi0:0.present = "TRUE"\nscsi0:0.fileName = "../source.img"\n');
    expect(await inputError(() => openSource([vmx]), vmx)).toBe(`${vmx}: disk "../source.img" (scsi0:0) would leave the VMX's folder`);
    await writeFile(vmx, 'displayName = "vm"\nscsi0:0.present = "TRUE"\nscsi0:0.fileName = "gone.vmdk"\n');
    expect(await inputError(() => openSource([vmx]), vmx)).toBe(`${vmx}: disk "gone.vmdk" (scsi0:0) is missing`);
  });

  it('a flat extent given instead of its descriptor', async () => {
    const sub = join(dir, 'flat-given');
    await mkdir(sub);
    await convertImage(raw, join(sub, 'disk.vmdk'), 'vmdk', 'monolithicFlat');
    const extent = join(sub, 'disk-flat.vmdk');
    await copyFile(extent, join(sub, 'copy-flat.vmdk'));
    expect(await inputError(() => openSource([extent]), extent)).toBe(
      `${extent}: not a VMDK: content is raw data (a flat VMDK extent: open its descriptor instead)`,
    );
  });
});
