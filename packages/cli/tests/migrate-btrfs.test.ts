/**
 * A guest on btrfs subvolumes (test image ubuntu-2204-btrfs: / in `@`, /home
 * in `@home`, a read-only snapshot `@snapshots/1/snapshot` of an older `@`
 * that libguestfs lists as the first root), through the real libguestfs
 * appliance: inspection uses `@`, not the snapshot; the repair keeps
 * `subvol=` in fstab and `rootflags=subvol=@` in grub.cfg.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InspectResult, RunReport } from '../src/index.js';
import { ensureImage, sha256 } from './test-image.js';
import { type CliResult, runCli } from './run-cli.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
const LONG = 600_000;
/** Phony guests cannot run their own initramfs and grub tools: see the fixture. */
const PHONY_CONFIG = join(import.meta.dirname, 'fixtures', 'phony-guest.config.json');
/** From test-images/recipes/ubuntu-2204-btrfs.mjs. */
const BTRFS_UUID = '3c2b1a09-8f7e-4d6c-b5a4-938271605f4e';
const LIVE_ROOT = 'btrfsvol:/dev/sda2/@';
const SNAPSHOT_ROOT = 'btrfsvol:/dev/sda2/@snapshots/1/snapshot';

const run = (argv: string[]): Promise<CliResult> => runCli(argv, tmpdir());

let vmdk: string;
let sourceHash: string;

beforeAll(async () => {
  vmdk = (await ensureImage('ubuntu-2204-btrfs')).files.vmdk!;
  sourceHash = await sha256(vmdk);
}, LONG);

describe('inspect ubuntu-2204-btrfs', () => {
  let result: CliResult;
  let inspected: InspectResult;

  beforeAll(async () => {
    result = await run(['inspect', vmdk, '--json']);
    inspected = JSON.parse(result.stdout) as InspectResult;
  }, LONG);

  it('uses the live subvolume @ and skips the read-only snapshot libguestfs lists first', () => {
    expect(result.code).toBe(0);
    expect(inspected.facts.os).toMatchObject({ type: 'linux', hostname: 'ubuntu-btrfs', root: LIVE_ROOT });
    expect(inspected.facts.os.skippedRoots).toEqual([{ root: SNAPSHOT_ROOT, reason: 'read-only btrfs subvolume (a snapshot)' }]);
    expect(inspected.facts.os.otherRoots).toBeUndefined();
  });

  it('gives each subvolume the mount point its subvol= names, and the snapshot none', () => {
    const linux = inspected.facts.linux;
    expect(linux?.fstab.map(({ spec, mountpoint }) => [mountpoint, spec])).toEqual([
      ['/', `UUID=${BTRFS_UUID}`],
      ['/home', '/dev/sda2'],
      ['none', '/dev/sda3'],
    ]);
    const btrfs = linux?.filesystems.filter((fs) => fs.type === 'btrfs').map(({ device, mountpoint, uuid }) => [device, mountpoint ?? null, uuid]);
    expect(btrfs).toEqual(
      expect.arrayContaining([
        ['/dev/sda2', null, BTRFS_UUID],
        [LIVE_ROOT, '/', BTRFS_UUID],
        ['btrfsvol:/dev/sda2/@home', '/home', BTRFS_UUID],
        [SNAPSHOT_ROOT, null, BTRFS_UUID],
      ]),
    );
    // The kernels are read from @'s /boot.
    expect(linux?.kernels.map((kernel) => kernel.version)).toEqual(['5.15.0-91-generic', '5.15.0-88-generic']);
  });
});

describe('migrate ubuntu-2204-btrfs', () => {
  let outputDir: string;
  let result: CliResult;
  let report: RunReport;
  /** Files of the output disk, read back with guestfish from the btrfs top level (subvolid=5). */
  let output: Record<string, string>;

  beforeAll(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'h2k-btrfs-'));
    result = await run(['migrate', vmdk, '--output', outputDir, '--json', '--config', PHONY_CONFIG]);
    report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as RunReport;
    output = await readBack(report.outputs[0]!.path, {
      fstab: '/@/etc/fstab',
      grub: '/@/boot/grub/grub.cfg',
      hostname: '/@/etc/hostname',
      snapshotFstab: '/@snapshots/1/snapshot/etc/fstab',
      snapshotHostname: '/@snapshots/1/snapshot/etc/hostname',
      home: '/@home/ubuntu/.profile',
    });
  }, LONG);

  it('converts with one appliance launch, every fstab mount point mounted', async () => {
    expect(result.code).toBe(0);
    expect(report.status).toBe('converted');
    expect(report.applianceLaunches).toBe(1);
    expect(report.facts?.os).toMatchObject({ hostname: 'ubuntu-btrfs', root: LIVE_ROOT });
    expect(await readFile(join(outputDir, 'hyper2kvm.log'), 'utf8')).not.toContain('mount point skipped');
  });

  it('names /home by UUID in the repaired fstab and keeps subvol=@ and subvol=@home', () => {
    const entries = output['fstab']!.split('\n').filter((line) => line.trim() && !line.startsWith('#'));
    expect(entries.map((line) => line.split(/\s+/).slice(0, 4))).toEqual([
      [`UUID=${BTRFS_UUID}`, '/', 'btrfs', 'defaults,subvol=@'],
      [`UUID=${BTRFS_UUID}`, '/home', 'btrfs', 'defaults,subvol=@home'],
      [expect.stringMatching(/^UUID=/), 'none', 'swap', 'sw'],
    ]);
    expect(output['hostname']!.trim()).toBe('ubuntu-btrfs');
    expect(output['home']).toContain('~/.profile');
  });

  it('keeps rootflags=subvol=@ on every kernel line of grub.cfg, the root by UUID', () => {
    const kernelLines = output['grub']!.split('\n').filter((line) => /^\s*linux\s/.test(line));
    expect(kernelLines).toHaveLength(5);
    for (const line of kernelLines) {
      expect(line).toMatch(new RegExp(`\\sroot=UUID=${BTRFS_UUID} ro rootflags=subvol=@(\\s|$)`));
      expect(line).toMatch(/^\s*linux\s+\/@\/boot\/vmlinuz-/);
    }
  });

  it('leaves the read-only snapshot as it was, and never wrote the source', async () => {
    expect(output['snapshotHostname']!.trim()).toBe('ubuntu-before-upgrade');
    expect(output['snapshotFstab']).toMatch(/^\/dev\/sda2\s+\/home\s/m);
    expect(await sha256(vmdk)).toBe(sourceHash);
  });
});

/** Reads files of a qcow2 disk's btrfs top level in one read-only guestfish launch (an independent read-back); each file's text, as guestfish prints it. */
async function readBack(disk: string, files: Record<string, string>): Promise<Record<string, string>> {
  const mark = '--- h2k read-back:';
  const script = ['run', 'mount-options ro,subvolid=5 /dev/sda2 /', ...Object.entries(files).flatMap(([key, path]) => [`echo "${mark}${key}"`, `cat ${path}`])];
  const { stdout } = await execa('guestfish', ['--ro', '--format=qcow2', '-a', disk], {
    input: script.join('\n') + '\n',
    env: { LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: process.env['LIBGUESTFS_BACKEND_SETTINGS'] ?? 'force_tcg' },
  });
  const read: Record<string, string> = {};
  let current: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(mark)) read[(current = line.slice(mark.length))] = '';
    else if (current !== undefined) read[current] += `${line}\n`;
  }
  return read;
}
