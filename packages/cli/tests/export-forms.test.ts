/**
 * Export forms through the real CLI, the libguestfs appliance and qemu-img:
 * a gzip disk, snapshot chains (VMware and Hyper-V), a
 * checksum mismatch, verification turned off, an OVF with no OS. Every
 * source stays byte-identical; refusals write nothing.
 */
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/index.js';
import { ensureImage, sha256 } from './test-image.js';
import { runCli, type CliResult } from './run-cli.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
const repoRoot = join(import.meta.dirname, '..', '..', '..');
const LONG = 600_000;
/** Phony guests cannot run their own initramfs and grub tools: see the fixture. */
const PHONY_CONFIG = join(import.meta.dirname, 'fixtures', 'phony-guest.config.json');
const run = (argv: string[]): Promise<CliResult> => runCli(argv, repoRoot);

let forms: Record<string, string>;
const hashes = new Map<string, string>();

/** Every file of a form (a folder's files, or the archive). */
async function sourceFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  return (await readdir(path)).map((name) => join(path, name));
}

beforeAll(async () => {
  forms = (await ensureImage('export-forms')).files as Record<string, string>;
  for (const form of ['gz-disk', 'bad-sha256', 'unpacked', 'ovf-no-os'])
    for (const file of await sourceFiles(forms[form]!)) hashes.set(file, await sha256(file));
  for (const form of ['vmx-chain', 'hyperv-checkpoints']) for (const file of await sourceFiles(join(forms[form]!, '..'))) hashes.set(file, await sha256(file));
}, LONG);

afterAll(async () => {
  for (const [file, digest] of hashes) expect(await sha256(file), file).toBe(digest);
});

describe('migrate a gzip-compressed disk inside an OVA', () => {
  let outputDir: string;
  let result: CliResult;
  let report: RunReport;

  let workDir: string;

  beforeAll(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'h2k-forms-gz-'));
    workDir = await mkdtemp(join(tmpdir(), 'h2k-forms-work-'));
    result = await run([
      'migrate',
      forms['gz-disk']!,
      '--output',
      outputDir,
      '--config',
      PHONY_CONFIG,
      '--network-map',
      'VM Network=bridge:br-prod',
      '--work-dir',
      workDir,
    ]);
    report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as RunReport;
  }, LONG);

  it('converts, and the report says how the export was stored and what was verified', async () => {
    expect(result.code).toBe(0);
    expect(report.facts?.os).toMatchObject({ type: 'linux', productName: 'Ubuntu 22.04.3 LTS', hostname: 'ubuntu-web01' });
    // The decompressed disk lived in the run's own folder under --work-dir, and went with it.
    expect(await readdir(workDir)).toEqual([]);
    expect(report.status).toBe('converted');
    expect(report.source.container).toBe('tar');
    expect(report.source.integrity).toMatchObject({ verification: 'verified', manifest: 'ubuntu-2204.mf' });
    expect(report.source.integrity.checks.map((check) => [check.name, check.algorithm, check.actual === check.expected])).toEqual([
      ['ubuntu-2204.ovf', 'SHA256', true],
      ['ubuntu-2204-disk1.vmdk.gz', 'SHA256', true],
    ]);
    expect(await readFile(join(outputDir, 'report.md'), 'utf8')).toContain('- **Integrity:** 2 file(s) verified against ubuntu-2204.mf');
  });

  it('attaches the NIC where --network-map sends its source network', async () => {
    const xml = await readFile(join(outputDir, `${report.name}.xml`), 'utf8');
    expect(xml).toMatch(/<interface type='bridge'>\s*<mac address='00:50:56:aa:bb:cc'\/>\s*<source bridge='br-prod'\/>/);
  });
});

describe('checksums', () => {
  it(
    'a disk that does not match its manifest refuses migrate before the appliance starts: exit 1, one line, no output folder',
    async () => {
      const outputDir = join(await mkdtemp(join(tmpdir(), 'h2k-forms-bad-')), 'out');
      const result = await run(['migrate', forms['bad-sha256']!, '--output', outputDir, '--config', PHONY_CONFIG]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(
          `^${forms['bad-sha256']}: "ubuntu-2204-disk1\\.vmdk" does not match ubuntu-2204\\.mf: SHA256 expected [0-9a-f]{64}, got [0-9a-f]{64} \\(the file is damaged or was changed after the export; nothing was written\\)$`,
        ),
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stderr).not.toContain('launching the appliance');
      await expect(stat(outputDir)).rejects.toThrow();
    },
    LONG,
  );

  it(
    '--no-verify-checksums migrates an unpacked OVA folder and the report says verification was skipped',
    async () => {
      const outputDir = await mkdtemp(join(tmpdir(), 'h2k-forms-skip-'));
      const result = await run(['migrate', forms['unpacked']!, '--output', outputDir, '--config', PHONY_CONFIG, '--no-verify-checksums']);
      expect(result.code).toBe(0);
      const report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as RunReport;
      expect(report.source).toMatchObject({ container: 'folder', integrity: { verification: 'skipped' } });
      expect(report.plan?.findings).toContainEqual(expect.objectContaining({ rule: 'checksums-not-verified', severity: 'warning' }));
      expect(await readFile(join(outputDir, 'report.md'), 'utf8')).toContain('checksum verification SKIPPED');
    },
    LONG,
  );
});

describe('inspect', () => {
  it(
    'a VMX naming its newest snapshot: the guest as the newest snapshot left it',
    async () => {
      const result = await run(['inspect', forms['vmx-chain']!, '--json']);
      expect(result.code).toBe(0);
      const inspected = JSON.parse(result.stdout) as { facts: RunReport['facts'] };
      expect(inspected.facts?.os.hostname).toBe('ubuntu-snap2');
      expect(inspected.facts?.vm?.disks[0]?.chain?.map((layer) => layer.split('/').pop())).toEqual(['web01-000002.vmdk', 'web01-000001.vmdk', 'web01.vmdk']);
    },
    LONG,
  );

  it(
    'a Hyper-V checkpoint (.avhdx): the guest as the newest checkpoint left it',
    async () => {
      const result = await run(['inspect', forms['hyperv-checkpoints']!, '--json']);
      expect(result.code).toBe(0);
      const inspected = JSON.parse(result.stdout) as { facts: RunReport['facts'] };
      expect(inspected.facts?.os).toMatchObject({ type: 'linux', hostname: 'debian-checkpoint2' });
      expect(inspected.facts?.vm?.disks[0]?.chain?.map((layer) => layer.split('/').pop())).toEqual([
        'debian-11_9E8F7A6B-5C4D-4E3F-8A2B-1C0D9E8F7A6B.avhdx',
        'debian-11_4D5C7B2A-1F3E-4C8D-9A6B-0E1F2A3B4C5D.avhdx',
        'debian-11.vhdx',
      ]);
    },
    LONG,
  );

  it(
    'an OVF with no OS on its disk: the hardware with a clear error, exit 1; --hardware-only skips the appliance',
    async () => {
      const full = await run(['inspect', forms['ovf-no-os']!]);
      expect(full.code).toBe(1);
      expect(full.stdout).toContain('Hardware:    2 vCPU, 2048 MiB, BIOS');
      expect(full.stdout).toMatch(/Disk 1: +\S+ubuntu-2204-data\.vmdk \(vmdk, 64\.0 MiB on scsi 0:0\)/);
      expect(full.stdout).toContain('NIC 1:       vmxnet3 00:50:56:aa:bb:cc on "VM Network"');
      expect(full.stderr.trim().split('\n').at(-1)).toBe(`${forms['ovf-no-os']}: no operating system found on the disks (no recognisable root file system)`);
      const hardware = await run(['inspect', '--hardware-only', forms['ovf-no-os']!, '--json']);
      expect(hardware.code).toBe(0);
      const document = JSON.parse(hardware.stdout) as { facts: RunReport['facts']; applianceLaunches: number; source: { integrity: { verification: string } } };
      expect(document.applianceLaunches).toBe(0);
      expect(document.facts?.vm).toMatchObject({ name: 'ubuntu-2204', vcpus: 2, memoryMiB: 2048, nics: [{ mac: '00:50:56:aa:bb:cc', network: 'VM Network' }] });
      expect(document.source.integrity.verification).toBe('not-checked');
    },
    LONG,
  );
});
