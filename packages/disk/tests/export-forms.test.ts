// Every export form of test-images/recipes/export-forms.mjs, opened the way
// migrate opens it: the VM it describes, the disk's content, the manifest
// check, the findings, the refusals, and the source left byte-identical.
import { InputError } from '@hyper2kvm/core';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureImage, type TestImage } from '../../../test-images/build.mjs';
import { qemuFilename } from '../src/qemu-filename.js';
import { freeBytes } from '../src/scratch-space.js';
import { openSource, type OpenedSource } from '../src/source.js';
import { sameContent } from './helpers/images.js';

let forms: TestImage;
let base: TestImage;
let scratch: string;
const before = new Map<string, string>();

/** Every regular file under `path` (or `path` itself). */
async function filesOf(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await filesOf(child)));
    else out.push(child);
  }
  return out;
}

/** The first `bytes` GNU tar writes for `name` in `folder` (tar is stopped there, as a cut download would). */
async function tarHead(folder: string, name: string, bytes: number): Promise<Buffer> {
  const tar = execa('tar', ['--format=gnu', '-cf', '-', '-C', folder, '--', name], { stdout: 'pipe', reject: false, buffer: false });
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of tar.stdout!) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length >= bytes) break;
  }
  tar.kill();
  await tar;
  return Buffer.concat(chunks).subarray(0, bytes);
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The source of a form: the OVA file, or the folder (a VMX form names the VMX inside it). */
function source(form: string): string {
  const path = forms.files[form];
  if (path === undefined) throw new Error(`export-forms has no form ${form}`);
  return path;
}

async function open(form: string): Promise<OpenedSource> {
  return openSource([source(form)], { scratchDir: join(scratch, form) });
}

beforeAll(async () => {
  forms = await ensureImage('export-forms', { log: () => undefined });
  base = await ensureImage('ubuntu-2204', { log: () => undefined });
  scratch = await mkdtemp(join(tmpdir(), 'h2k-disk-forms-'));
  for (const file of await filesOf(forms.dir)) before.set(file, await sha256(file));
});

afterAll(async () => {
  // Whatever was opened, refused or verified: not one byte of any source changed.
  for (const [file, digest] of before) expect(await sha256(file), file).toBe(digest);
  await rm(scratch, { recursive: true, force: true });
});

describe('OVA containers: content decides', () => {
  it.each([
    ['tar-subdir', 'tar', true],
    ['tar-pax-reordered', 'tar', true],
    ['tar-gz', 'tar.gzip', false],
    ['tar-xz', 'tar.xz', false],
    ['zip', 'zip', false],
    ['zip-stored', 'zip', true],
    ['gz-disk', 'tar', false],
    ['chunked', 'tar', false],
    ['numbered', 'tar', true],
    ['no-manifest', 'tar', true],
    ['signed', 'tar', true],
  ])('%s (%s, read in place: %s): the VM, and the disk as the base image has it', async (form, container, inPlace) => {
    const opened = await open(form);
    try {
      expect(opened.container).toBe(container);
      expect(opened.vm).toMatchObject({ origin: 'ovf', name: 'ubuntu-2204', vcpus: 2, memoryMiB: 2048, firmware: 'bios' });
      expect(opened.vm.nics).toEqual([{ mac: '00:50:56:aa:bb:cc', model: 'vmxnet3', network: 'VM Network' }]);
      const [disk] = opened.vm.disks;
      expect(opened.vm.disks).toHaveLength(1);
      expect(disk).toMatchObject({ format: 'vmdk', controller: 'scsi', address: { bus: 0, unit: 0 } });
      expect(disk!.archiveMember !== undefined).toBe(inPlace);
      expect(disk!.path.startsWith(inPlace ? forms.dir : join(scratch, form))).toBe(true);
      expect(await sameContent(qemuFilename(disk!), base.files['vmdk']!, { b: 'vmdk' })).toBe(true);
    } finally {
      await opened.dispose();
    }
    // Copies that could not be read in place are gone with the run.
    expect(await readdir(join(scratch, form)).catch(() => [])).toEqual([]);
  });

  it('an unpacked OVA folder is that VM, as if its .ovf had been named', async () => {
    const folder = await open('unpacked');
    const ovf = await openSource([join(source('unpacked'), 'ubuntu-2204.ovf')], { scratchDir: join(scratch, 'unpacked-ovf') });
    try {
      expect(folder.container).toBe('folder');
      expect(folder.vm).toEqual(ovf.vm);
      expect(await folder.integrity.verify()).toMatchObject({ verification: 'verified', manifest: 'ubuntu-2204.mf' });
    } finally {
      await folder.dispose();
      await ovf.dispose();
    }
  });

  it('a folder without an .ovf or .vmx is refused, pointing at dir: for guest roots', async () => {
    const empty = join(scratch, 'not-an-export');
    await mkdir(empty, { recursive: true });
    await expect(openSource([empty])).rejects.toThrow(
      `${empty}: is a folder without an .ovf or .vmx file; to migrate a folder holding a guest's root file system, name it with dir: (it is then repaired in place)`,
    );
  });

  it('reports the numbered snapshot file it took', async () => {
    const opened = await open('numbered');
    try {
      expect(opened.vm.disks[0]?.archiveMember?.name).toBe('ubuntu-2204-disk1.vmdk.000000002');
      expect(opened.findings).toContainEqual(expect.objectContaining({ rule: 'disk-from-numbered-snapshot', severity: 'info' }));
    } finally {
      await opened.dispose();
    }
  });

  it('refuses to unpack a member larger than the free space of the scratch folder, naming bytes needed and free', async () => {
    // The head of a real GNU tar of a disk bigger than the scratch file system (a sparse file, so
    // nothing is really that big), gzip-compressed as some tools ship OVAs: the refusal must come
    // from the member's header, before a byte of it is written. No mount needed, so it runs anywhere.
    const folder = join(scratch, 'too-big');
    const target = join(folder, 'scratch');
    await mkdir(target, { recursive: true });
    const disk = join(folder, 'huge-disk1.vmdk');
    await writeFile(disk, '');
    await truncate(disk, (await freeBytes(target)) + 2 ** 40);
    const head = await tarHead(folder, 'huge-disk1.vmdk', 64 * 1024);
    await rm(disk);
    const archive = join(folder, 'huge.ova');
    await writeFile(archive, gzipSync(head));
    const error = await openSource([archive], { scratchDir: target }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('SCRATCH_SPACE');
    expect((error as InputError).message).toMatch(
      /^\S+huge\.ova: unpacking member "huge-disk1\.vmdk" needs [\d.]+ [KMGTP]iB \(\d+ bytes\) in \S+, but only [\d.]+ [KMGTP]?i?B \(\d+ bytes\) are free there \(give a larger scratch folder with --work-dir\)$/,
    );
    expect(await filesOf(target)).toEqual([]);
  });
});

describe('describing only (inspect --hardware-only)', () => {
  it.each([
    ['tar-xz', 'tar.xz', 'vmdk'],
    ['gz-disk', 'tar', 'vmdk'],
    ['chunked', 'tar', 'vmdk'],
    ['zip', 'zip', 'vmdk'],
  ])('%s: the VM from its OVF, nothing unpacked, the disk from the OVF', async (form, container, format) => {
    const folder = join(scratch, `describe-${form}`);
    const opened = await openSource([source(form)], { scratchDir: folder, describeOnly: true });
    try {
      expect(opened.container).toBe(container);
      expect(opened.vm).toMatchObject({
        name: 'ubuntu-2204',
        vcpus: 2,
        memoryMiB: 2048,
        disks: [{ path: source(form), format, virtualSize: 512 * 2 ** 20, controller: 'scsi' }],
      });
      expect(opened.findings.map((finding) => finding.rule)).not.toContain('no-manifest');
    } finally {
      await opened.dispose();
    }
    await expect(stat(folder)).rejects.toThrow();
  });

  it('a checkpoint chain is checked and described, not merged', async () => {
    const folder = join(scratch, 'describe-hyperv');
    const opened = await openSource([source('hyperv-checkpoints')], { scratchDir: folder, describeOnly: true });
    try {
      expect(opened.vm.disks).toEqual([
        {
          path: source('hyperv-checkpoints'),
          format: 'vhdx',
          virtualSize: 512 * 2 ** 20,
          chain: expect.arrayContaining([join(forms.dir, 'hyperv-checkpoints', 'debian-11.vhdx')]),
        },
      ]);
    } finally {
      await opened.dispose();
    }
    await expect(stat(folder)).rejects.toThrow();
    await expect(openSource([source('hyperv-checkpoints-missing')], { describeOnly: true })).rejects.toThrow(/checkpoint chain is broken/);
  });
});

describe('manifests', () => {
  it.each([
    ['tar-subdir', 'SHA1', 'ovftool'],
    ['tar-pax-reordered', 'SHA512', 'sha512sum --tag'],
    ['tar-gz', 'SHA256', 'openssl dgst (SHA2-256)'],
    ['zip', 'SHA256', 'ovftool'],
    ['chunked', 'SHA256', 'ovftool, every chunk'],
  ])('%s: every listed file verified (%s lines written by %s)', async (form, algorithm) => {
    const opened = await open(form);
    try {
      const result = await opened.integrity.verify();
      expect(result.verification).toBe('verified');
      expect(result.checks.length).toBeGreaterThanOrEqual(2);
      for (const check of result.checks) expect(check).toMatchObject({ algorithm, actual: check.expected });
      expect(opened.findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
    } finally {
      await opened.dispose();
    }
  });

  it('a wrong SHA1 refuses the source, naming the member, algorithm and both digests', async () => {
    const opened = await open('bad-sha1');
    try {
      const error = await opened.integrity.verify().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).code).toBe('CHECKSUM_MISMATCH');
      const expected = opened.integrity.summary.checks.find((check) => check.name === 'ubuntu-2204-disk1.vmdk')!.expected;
      const actual = createHash('sha1');
      for await (const chunk of createReadStream(source('bad-sha1'), {
        start: opened.vm.disks[0]!.archiveMember!.offset,
        end: opened.vm.disks[0]!.archiveMember!.offset + opened.vm.disks[0]!.archiveMember!.size - 1,
      }))
        actual.update(chunk as Buffer);
      expect((error as InputError).message).toBe(
        `${source('bad-sha1')}: "ubuntu-2204-disk1.vmdk" does not match ubuntu-2204.mf: SHA1 expected ${expected}, got ${actual.digest('hex')} (the file is damaged or was changed after the export; nothing was written)`,
      );
    } finally {
      await opened.dispose();
    }
  });

  it('a disk changed after its SHA256 was taken refuses the source', async () => {
    const opened = await open('bad-sha256');
    try {
      await expect(opened.integrity.verify()).rejects.toThrow(
        /: "ubuntu-2204-disk1\.vmdk" does not match ubuntu-2204\.mf: SHA256 expected [0-9a-f]{64}, got [0-9a-f]{64} \(the file is damaged/,
      );
    } finally {
      await opened.dispose();
    }
  });

  it('a malformed manifest line is a warning; the lines that parse are still checked', async () => {
    const opened = await open('malformed-manifest');
    try {
      expect(await opened.integrity.verify()).toMatchObject({ verification: 'verified' });
      expect(opened.findings.filter((finding) => finding.rule === 'manifest-line-malformed').map((finding) => [finding.severity, finding.message])).toEqual([
        ['warning', 'ubuntu-2204.mf line 3 is not understood and was ignored: unknown digest algorithm MD5 (SHA1, SHA256 and SHA512 are understood)'],
        ['warning', 'ubuntu-2204.mf line 4 is not understood and was ignored: not an ALG(file)= digest line'],
      ]);
    } finally {
      await opened.dispose();
    }
  });

  it('no manifest is an info finding; a certificate is reported, not checked', async () => {
    const bare = await open('no-manifest');
    const signed = await open('signed');
    try {
      expect(await bare.integrity.verify()).toEqual({ verification: 'no-manifest', checks: [] });
      expect(bare.findings).toEqual([expect.objectContaining({ rule: 'no-manifest', severity: 'info' })]);
      expect(await signed.integrity.verify()).toMatchObject({ verification: 'verified', certificate: { name: 'ubuntu-2204.cert', checked: false } });
      expect(signed.findings).toEqual([expect.objectContaining({ rule: 'certificate-not-checked', severity: 'info' })]);
    } finally {
      await bare.dispose();
      await signed.dispose();
    }
  });

  it('turned off, nothing is read and the skip is a warning', async () => {
    const opened = await openSource([source('bad-sha256')], { scratchDir: join(scratch, 'skipped'), verifyChecksums: false });
    try {
      expect(await opened.integrity.verify()).toMatchObject({ verification: 'skipped' });
      expect(opened.integrity.summary.checks.every((check) => check.actual === undefined)).toBe(true);
      expect(opened.findings).toContainEqual(expect.objectContaining({ rule: 'checksums-not-verified', severity: 'warning' }));
    } finally {
      await opened.dispose();
    }
  });
});

describe('snapshot chains', () => {
  it('a VMX naming its newest snapshot opens the whole chain, checked, newest state first', async () => {
    const opened = await open('vmx-chain');
    try {
      const [disk] = opened.vm.disks;
      const folder = join(forms.dir, 'vmx-chain');
      expect(disk!.chain).toEqual(['web01-000002.vmdk', 'web01-000001.vmdk', 'web01.vmdk'].map((name) => join(folder, name)));
      // qemu opens exactly the checked layers, never a layer's own hint.
      const spec = JSON.parse(qemuFilename(disk!).slice('json:'.length)) as {
        file: { filename: string };
        backing: { file: { filename: string }; backing: { file: { filename: string }; backing?: unknown } };
      };
      expect([spec.file.filename, spec.backing.file.filename, spec.backing.backing.file.filename]).toEqual(disk!.chain);
      expect(spec.backing.backing.backing).toBeUndefined();
      // The chain reads differently from its base: the snapshots hold changes.
      expect(await sameContent(qemuFilename(disk!), join(folder, 'web01.vmdk'), { b: 'vmdk' })).toBe(false);
    } finally {
      await opened.dispose();
    }
  });

  it('numbered OVA members whose newest is a delta: the chain is copied out of the archive, checked and opened', async () => {
    const opened = await open('numbered-chain');
    try {
      const [disk] = opened.vm.disks;
      expect(disk!.chain?.map((layer) => layer.split('/').pop())).toEqual(['ubuntu-2204-disk1.vmdk.000000001', 'ubuntu-2204-disk1.vmdk.000000000']);
      expect(disk!.path.startsWith(join(scratch, 'numbered-chain'))).toBe(true);
      // The same first snapshot as the VMX chain's web01-000001.vmdk (qemu follows that one's hint beside it).
      expect(await sameContent(qemuFilename(disk!), join(forms.dir, 'vmx-chain', 'web01-000001.vmdk'), { b: 'vmdk' })).toBe(true);
      expect(await opened.integrity.verify()).toMatchObject({ verification: 'verified' });
    } finally {
      await opened.dispose();
    }
  });

  it('a missing link is a one-line error naming it', async () => {
    const top = join(forms.dir, 'vmx-chain-missing', 'web01-000002.vmdk');
    const error = await open('vmx-chain-missing').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(
      `${top}: snapshot chain is broken: "web01-000002.vmdk" is a snapshot of "web01-000001.vmdk", which is missing (copy every file of the VM's folder)`,
    );
  });

  it('a parent written after the snapshot (content IDs differ) is refused', async () => {
    await expect(open('vmx-chain-cid')).rejects.toThrow(
      /snapshot chain is broken: "web01-000001\.vmdk" was taken from "web01\.vmdk" with content ID [0-9a-f]+, but that file's content ID is now [0-9a-f]+ \(it was written after the snapshot/,
    );
  });
});

describe('Hyper-V checkpoints', () => {
  it('a differencing .avhdx opens as the newest state of its chain, written as one qcow2 layer on the base', async () => {
    const opened = await open('hyperv-checkpoints');
    try {
      const [disk] = opened.vm.disks;
      const folder = join(forms.dir, 'hyperv-checkpoints');
      expect(disk!.chain).toEqual(
        ['debian-11_9E8F7A6B-5C4D-4E3F-8A2B-1C0D9E8F7A6B.avhdx', 'debian-11_4D5C7B2A-1F3E-4C8D-9A6B-0E1F2A3B4C5D.avhdx', 'debian-11.vhdx'].map((name) =>
          join(folder, name),
        ),
      );
      expect(disk).toMatchObject({ format: 'qcow2' });
      expect(disk!.path.startsWith(join(scratch, 'hyperv-checkpoints'))).toBe(true);
      // Every sector the checkpoints hold, partially present blocks included, reads as the guest last wrote it.
      expect(await sameContent(qemuFilename(disk!), source('hyperv-checkpoints-expected'), { b: 'qcow2' })).toBe(true);
      const info = JSON.parse((await execa('qemu-img', ['info', '--output=json', disk!.path])).stdout) as { 'backing-filename': string };
      expect(info['backing-filename']).toBe(join(folder, 'debian-11.vhdx'));
    } finally {
      await opened.dispose();
    }
  });

  it('a missing checkpoint is named', async () => {
    const top = source('hyperv-checkpoints-missing');
    await expect(open('hyperv-checkpoints-missing')).rejects.toThrow(
      `${top}: checkpoint chain is broken: "debian-11_9E8F7A6B-5C4D-4E3F-8A2B-1C0D9E8F7A6B.avhdx" is a checkpoint of ".\\debian-11_4D5C7B2A-1F3E-4C8D-9A6B-0E1F2A3B4C5D.avhdx", which is not in its folder (copy every .vhdx and .avhdx file of the VM)`,
    );
  });

  it('a base written after the checkpoints (its data ID changed) is refused', async () => {
    await expect(open('hyperv-checkpoints-rewritten')).rejects.toThrow(
      /checkpoint chain is broken: "debian-11_4D5C7B2A-1F3E-4C8D-9A6B-0E1F2A3B4C5D\.avhdx" was taken from "debian-11\.vhdx" with data ID \{[0-9a-f-]{36}\}, but that file's data ID is now \{[0-9a-f-]{36}\}/,
    );
  });

  it('a VHDX with an unreplayed log gets a sentence about the file, never advice to repair the source', async () => {
    const error = await open('vhdx-dirty-log').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    const message = (error as InputError).message;
    expect(message).toBe(
      `${source('vhdx-dirty-log')}: the VHDX holds metadata log entries that were never applied (its VM was running, or was not shut down cleanly, when the file was copied); hyper2kvm never writes to a source: shut the VM down in Hyper-V and copy or export the disk again, or replay the log on a copy (cp the file, then qemu-img check -r all on the copy) and migrate the copy`,
    );
  });
});

describe('hardware without an operating system', () => {
  it('an OVF folder whose disk holds only data still describes the VM', async () => {
    const opened = await open('ovf-no-os');
    try {
      expect(opened.vm).toMatchObject({ name: 'ubuntu-2204', vcpus: 2, memoryMiB: 2048, disks: [{ format: 'vmdk', controller: 'scsi' }] });
      expect(await opened.integrity.verify()).toMatchObject({ verification: 'verified' });
    } finally {
      await opened.dispose();
    }
  });
});
