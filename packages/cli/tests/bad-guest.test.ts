/**
 * Guests that cannot be repaired, through the command on phony guests and the
 * real appliance: no operating system at all, an encrypted root without its
 * key, a full root file system, a root the kernel mounts read-only only. Each run ends with one
 * clear line and its exit code, no stack, no output disk, the source
 * byte-identical; a run that got as far as the fix leaves a report saying
 * what was done and what was not.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/index.js';
import { runCli } from './run-cli.js';
import { ESCAPE } from './run-in-terminal.js';
import { ensureImage, sha256 } from './test-image.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
const LONG = 600_000;
/** Phony test guests cannot run their own initramfs and grub tools: see the fixture. */
const PHONY_CONFIG = join(import.meta.dirname, 'fixtures', 'phony-guest.config.json');

interface Migration {
  ova: string;
  sourceHash: string;
  outputDir: string;
  code: number;
  /** The last line on stderr: the error (log and progress lines come before it). */
  error: string;
  stderr: string;
}

/** `hyper2kvm migrate IMAGE.ova --output DIR` (or its VMDK when it has no OVA) on a fresh folder: one appliance launch. */
async function migrateImage(image: string): Promise<Migration> {
  const { files } = await ensureImage(image);
  const ova = (files.ova ?? files.vmdk)!;
  const sourceHash = await sha256(ova);
  const outputDir = join(await mkdtemp(join(tmpdir(), 'h2k-bad-guest-')), 'out');
  const { code, stderr: text } = await runCli(['migrate', ova, '--output', outputDir, '--config', PHONY_CONFIG], outputDir);
  return { ova, sourceHash, outputDir, code, error: text.trim().split('\n').at(-1) ?? '', stderr: text };
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a disk with no operating system (no-os)', () => {
  let run: Migration;
  beforeAll(async () => {
    run = await migrateImage('no-os');
  }, LONG);

  it('fails (exit 1) with one line naming the source: no recognisable root, nothing about encryption', () => {
    expect(run.code).toBe(1);
    expect(run.error).toBe(`${run.ova}: no operating system found on the disks (no recognisable root file system)`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // Not a terminal: progress is plain lines, without an escape code.
    expect(run.stderr).toMatch(/^» launch: libguestfs appliance under (TCG|KVM) \(/m);
    expect(run.stderr).not.toMatch(ESCAPE);
  });

  it('writes no disk and leaves the source byte-identical', async () => {
    expect(await readdir(run.outputDir)).toEqual(['hyper2kvm.log']);
    expect(await sha256(run.ova)).toBe(run.sourceHash);
  });
});

describe('an encrypted root without its key (ubuntu-2204-luks)', () => {
  let run: Migration;
  beforeAll(async () => {
    run = await migrateImage('ubuntu-2204-luks');
  }, LONG);

  it('is blocked (exit 3) by one line naming the source, the LUKS partition and the rule', () => {
    expect(run.code).toBe(3);
    expect(run.error).toMatch(
      new RegExp(`^${escape(run.ova)}: encrypted-root-no-key: the root file system is on LUKS volume /dev/sda2 and no key was given for it; `),
    );
    expect(run.error).toContain('cannot repair an encrypted root offline without its key');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('writes no disk and leaves the source byte-identical', async () => {
    expect(await readdir(run.outputDir)).toEqual(['hyper2kvm.log']);
    expect(await sha256(run.ova)).toBe(run.sourceHash);
  });
});

describe('a full root file system (ubuntu-2204-full)', () => {
  let run: Migration;
  let report: RunReport;
  beforeAll(async () => {
    run = await migrateImage('ubuntu-2204-full');
    report = JSON.parse(await readFile(join(run.outputDir, 'report.json'), 'utf8')) as RunReport;
  }, LONG);

  it('fails (exit 1) with one line naming the change, the guest file and ENOSPC', () => {
    expect(run.code).toBe(1);
    expect(run.error).toMatch(
      /^change 2 of \d+ failed \(write \/boot\/grub\/grub\.cfg, planned by @hyper2kvm\/plugin-stable-device-names\): .*No space left on device; 1 change\(s\) before it were applied, it and the \d+ after it were not$/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports what was planned, what was applied and that nothing was output', async () => {
    expect(report.status).toBe('failed');
    expect(report.error).toEqual({ code: 'CHANGE_FAILED', message: run.error });
    expect(report.plan?.changes.map((change) => ('path' in change ? `${change.kind} ${change.path}` : change.kind)).slice(0, 2)).toEqual([
      'file.write /etc/fstab',
      'file.write /boot/grub/grub.cfg',
    ]);
    expect(report.outputs).toEqual([]);
    expect(await readFile(join(run.outputDir, 'report.md'), 'utf8')).toContain(`**Status:** failed — ${run.error}`);
  });

  it('leaves no disk or domain under a final name and the source byte-identical', async () => {
    expect((await readdir(run.outputDir)).sort()).toEqual(['backup', 'hyper2kvm.log', 'report.json', 'report.md']);
    expect(await sha256(run.ova)).toBe(run.sourceHash);
  });
});

describe('a root file system the kernel mounts read-only only (ubuntu-2204-readonly)', () => {
  let run: Migration;
  beforeAll(async () => {
    run = await migrateImage('ubuntu-2204-readonly');
  }, LONG);

  it('fails (exit 1) with one line naming the source and the read-only root', () => {
    expect(run.code).toBe(1);
    expect(run.error).toMatch(new RegExp(`^${escape(run.ova)}: the root file system /dev/sda1 mounts only read-only \\(the kernel refuses to write it`));
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('writes no disk and leaves the source byte-identical', async () => {
    expect(await readdir(run.outputDir)).toEqual(['hyper2kvm.log']);
    expect(await sha256(run.ova)).toBe(run.sourceHash);
  });
});
