import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { newcArchive } from '../../tests/initramfs-archives.js';
import { CpioFormatError } from './cpio-names.js';
import { lastEntryByName, readCpioEntries, S_IFDIR, S_IFMT, S_IFREG, writeCpioArchive, type CpioEntry } from './cpio-archive.js';

const entry = (name: string, mode: number, data = ''): CpioEntry => ({ name, mode, uid: 0, gid: 0, nlink: 1, mtime: 1_700_000_000, data: Buffer.from(data) });

describe('readCpioEntries', () => {
  it('reads names, types and data of an archive GNU cpio wrote', async () => {
    const archive = await newcArchive({ init: '#!/bin/sh\n', 'conf/modules': 'virtio_blk\n' });
    const entries = readCpioEntries(archive);
    expect(entries.map((item) => item.name)).toEqual(['init', 'conf', 'conf/modules']);
    expect(entries.map((item) => item.mode & S_IFMT)).toEqual([S_IFREG, S_IFDIR, S_IFREG]);
    expect(entries[2]!.data.toString()).toBe('virtio_blk\n');
  });

  it('reads concatenated archives with padding between them, later entries winning', async () => {
    const first = await newcArchive({ 'conf/modules': 'old\n' });
    const second = await newcArchive({ 'conf/modules': 'new\n' });
    const entries = readCpioEntries(Buffer.concat([first, Buffer.alloc(16), second]));
    expect(entries.filter((item) => item.name === 'conf/modules')).toHaveLength(2);
    expect(lastEntryByName(entries).get('conf/modules')!.data.toString()).toBe('new\n');
  });

  it('refuses what is not newc or is cut short', async () => {
    expect(() => readCpioEntries(Buffer.from('not a cpio archive at all, long enough for a header'.repeat(3)))).toThrow(CpioFormatError);
    const archive = await newcArchive({ init: 'x'.repeat(1000) });
    expect(() => readCpioEntries(archive.subarray(0, 500))).toThrow(/runs past the end|cut short|without its TRAILER/);
  });
});

describe('writeCpioArchive', () => {
  it('writes an archive GNU cpio extracts to the same files', async () => {
    const archive = writeCpioArchive([
      entry('lib', S_IFDIR | 0o755),
      entry('lib/modules', S_IFDIR | 0o755),
      entry('lib/modules/virtio_blk.ko', S_IFREG | 0o644, 'ELF…module'),
    ]);
    expect(archive.length % 512).toBe(0);
    const root = await mkdtemp(join(tmpdir(), 'h2k-cpio-out-'));
    try {
      await execa('cpio', ['--quiet', '-i', '-d', '-H', 'newc'], { cwd: root, input: archive });
      expect(await readFile(join(root, 'lib/modules/virtio_blk.ko'), 'utf8')).toBe('ELF…module');
      const { stdout } = await execa('cpio', ['--quiet', '-t', '-H', 'newc'], { input: archive });
      expect(stdout.split('\n')).toEqual(['lib', 'lib/modules', 'lib/modules/virtio_blk.ko']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('reads back what it wrote, numbering new entries after the inodes it was given', () => {
    const entries = [{ ...entry('conf', S_IFDIR | 0o755), ino: 7 }, entry('conf/modules', S_IFREG | 0o644, 'virtio_pci\nvirtio_blk\n')];
    const back = readCpioEntries(writeCpioArchive(entries));
    expect(back.map((item) => [item.name, item.ino, item.data.toString()])).toEqual([
      ['conf', 7, ''],
      ['conf/modules', 8, 'virtio_pci\nvirtio_blk\n'],
    ]);
  });

  it('keeps hard links joined when an archive GNU cpio wrote is written again', async () => {
    const root = await mkdtemp(join(tmpdir(), 'h2k-cpio-links-'));
    try {
      await execa('sh', ['-c', 'mkdir bin && echo applet > bin/a && ln bin/a bin/b'], { cwd: root });
      const { stdout } = await execa('cpio', ['--quiet', '-o', '-H', 'newc'], { cwd: root, input: 'bin\nbin/a\nbin/b\n', encoding: 'buffer' });
      const again = writeCpioArchive(readCpioEntries(Buffer.from(stdout)));
      const out = join(root, 'out');
      await execa('mkdir', [out]);
      await execa('cpio', ['--quiet', '-i', '-d', '-H', 'newc'], { cwd: out, input: again });
      expect(await readFile(join(out, 'bin/a'), 'utf8')).toBe('applet\n');
      expect(await readFile(join(out, 'bin/b'), 'utf8')).toBe('applet\n');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('refuses names that would leave the archive root', () => {
    expect(() => writeCpioArchive([entry('../etc/passwd', S_IFREG)])).toThrow(CpioFormatError);
    expect(() => writeCpioArchive([entry('/init', S_IFREG)])).toThrow(CpioFormatError);
  });
});
