// Archive and compression edge cases, written by the real tools (Info-ZIP,
// gzip) where a tool can make them, and the refusals they must get.
import { InputError } from '@hyper2kvm/core';
import { execa } from 'execa';
import { copyFile, mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qemuFilename } from '../src/qemu-filename.js';
import { openSource } from '../src/source.js';
import { readZipIndex } from '../src/zip-index.js';
import { buildTar } from './helpers/tar-writer.js';
import { buildRawImage, convertImage, makeTempDir, removeDir, sameContent } from './helpers/images.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
let dir: string;
let raw: string;

beforeAll(async () => {
  dir = await makeTempDir('archives');
  raw = await buildRawImage(join(dir, 'raw.img'));
  await convertImage(raw, join(dir, 'web01-disk1.vmdk'), 'vmdk', 'streamOptimized');
  await convertImage(raw, join(dir, 'web01-disk2.vmdk'), 'vmdk', 'streamOptimized');
  await copyFile(join(FIXTURES, 'vmware-efi.ovf'), join(dir, 'web01.ovf'));
});
afterAll(async () => removeDir(dir));

async function refusal(paths: string[], scratchDir?: string): Promise<InputError> {
  const error = await openSource(paths, scratchDir === undefined ? {} : { scratchDir }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).message).not.toContain('\n');
  return error as InputError;
}

describe('zip', () => {
  it('reads a zip64 archive (zip -fz) through its zip64 end record and extra fields', async () => {
    const archive = join(dir, 'forced64.zip');
    await execa('zip', ['-q', '-fz', '-0', archive, 'web01.ovf', 'web01-disk1.vmdk'], { cwd: dir });
    const handle = await open(archive, 'r');
    try {
      const members = await readZipIndex(handle, (await handle.stat()).size, archive);
      expect(members.map((member) => [member.name, member.method, member.size])).toEqual([
        ['web01.ovf', 'stored', (await readFile(join(dir, 'web01.ovf'))).length],
        ['web01-disk1.vmdk', 'stored', (await readFile(join(dir, 'web01-disk1.vmdk'))).length],
      ]);
      const bytes = await readFile(archive);
      const disk = members[1]!;
      expect(bytes.subarray(disk.offset, disk.offset + disk.size).equals(await readFile(join(dir, 'web01-disk1.vmdk')))).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it('refuses a member compressed with a method other than deflate, naming it', async () => {
    const archive = join(dir, 'bzip2.ova');
    await execa('zip', ['-q', '-Z', 'bzip2', archive, 'web01.ovf', 'web01-disk1.vmdk', 'web01-disk2.vmdk'], { cwd: dir });
    const error = await refusal([archive]);
    expect(error.message).toBe(`${archive}: member "web01.ovf" is compressed with bzip2, which is not supported (stored or deflated members only)`);
  });
});

describe('compressed files', () => {
  it('a gzip-compressed OVA cut short is one line, and its partial copy is removed', async () => {
    const ova = join(dir, 'full.ova');
    await execa('tar', ['--format=ustar', '-cf', ova, 'web01.ovf', 'web01-disk1.vmdk', 'web01-disk2.vmdk'], { cwd: dir });
    await execa('gzip', ['-k', ova]);
    const whole = await readFile(`${ova}.gz`);
    const cut = join(dir, 'cut.ova');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.7)));
    const scratch = join(dir, 'scratch-cut');
    const error = await refusal([cut], scratch);
    expect(error.message).toBe(`${cut}: is cut short: its gzip data ends early (unexpected end of file); copy the file again`);
    expect(await readdir(scratch).catch(() => [])).toEqual([]);
  });

  it('a gzip-compressed disk given on its own is decompressed and probed by content', async () => {
    const qcow2 = await convertImage(raw, join(dir, 'data.qcow2'), 'qcow2');
    await execa('gzip', ['-k', qcow2]);
    const opened = await openSource([`${qcow2}.gz`], { scratchDir: join(dir, 'scratch-gz-disk') });
    try {
      expect(opened.vm.disks.map((disk) => disk.format)).toEqual(['qcow2']);
      expect(await sameContent(qemuFilename(opened.vm.disks[0]!), raw, { b: 'raw' })).toBe(true);
    } finally {
      await opened.dispose();
    }
  });
});

describe('qemu errors said about the file', () => {
  it('a disk another process holds open for writing is "in use", not a lock error', async () => {
    const disk = await convertImage(raw, join(dir, 'in-use.qcow2'), 'qcow2');
    const socket = join(await makeTempDir('nbd'), 's');
    const holder = execa('qemu-nbd', ['--format=qcow2', `--socket=${socket}`, '--persistent', disk], { reject: false });
    try {
      for (
        let attempt = 0;
        attempt < 100 &&
        !(await stat(socket).then(
          () => true,
          () => false,
        ));
        attempt += 1
      )
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await refusal([disk])).message).toBe(
        `${disk}: is in use: another process (a running VM, a backup, another conversion) holds a lock on it; shut the VM down or wait for the other process, then try again`,
      );
    } finally {
      holder.kill();
      await holder;
    }
  });
});

describe('chunked OVF files', () => {
  it('a missing chunk is named', async () => {
    const ovf = (await readFile(join(dir, 'web01.ovf'), 'utf8')).replace(
      'ovf:href="web01-disk1.vmdk" ovf:id="file1"',
      'ovf:href="web01-disk1.vmdk" ovf:chunkSize="65536" ovf:id="file1"',
    );
    const disk = await readFile(join(dir, 'web01-disk1.vmdk'));
    const folder = join(dir, 'gap');
    await mkdir(folder);
    await writeFile(join(folder, 'web01.ovf'), ovf);
    await writeFile(join(folder, 'web01-disk1.vmdk.000000000'), disk.subarray(0, 65536));
    await writeFile(join(folder, 'web01-disk1.vmdk.000000002'), disk.subarray(131072));
    await copyFile(join(dir, 'web01-disk2.vmdk'), join(folder, 'web01-disk2.vmdk'));
    const ova = join(dir, 'gap.ova');
    await writeFile(
      ova,
      buildTar([
        { name: 'web01.ovf', data: Buffer.from(ovf) },
        { name: 'web01-disk1.vmdk.000000000', data: disk.subarray(0, 65536) },
        { name: 'web01-disk1.vmdk.000000002', data: disk.subarray(131072) },
        { name: 'web01-disk2.vmdk', data: await readFile(join(dir, 'web01-disk2.vmdk')) },
      ]),
    );
    expect((await refusal([ova])).message).toBe(`${ova}: chunk 1 of "web01-disk1.vmdk" is missing (found "web01-disk1.vmdk.000000002" instead)`);
    expect((await refusal([join(folder, 'web01.ovf')])).message).toBe(
      `${join(folder, 'web01.ovf')}: chunk 1 of "web01-disk1.vmdk" is missing (found "web01-disk1.vmdk.000000002" instead)`,
    );
  });
});
