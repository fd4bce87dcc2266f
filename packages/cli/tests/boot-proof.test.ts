/**
 * The proof, end to end on a REAL Debian 12 built the way VMware leaves it
 * (test-images/recipes/debian-12-bootable.mjs), under real qemu:
 *   1. `verify --disk` on the unrepaired VMDK: it does not boot on virtio;
 *   2. `migrate --verify`: the repaired output boots with its network up at
 *      the address the guest was configured with (10.0.2.15);
 *   3. the output boots on virtio-scsi as well (`verify --disk --bus scsi`), and
 *      the output disk is unchanged by it. (`verify DIR` is exercised by the
 *      boot matrix, tools/boot-matrix.)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/index.js';
import { ensureImage, sha256 } from './test-image.js';
import { type CliResult, runCli } from './run-cli.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
const repoRoot = join(import.meta.dirname, '..', '..', '..');
const LONG = 1_500_000;

const run = (argv: string[]): Promise<CliResult> => runCli(argv, repoRoot);

interface VerifyJson {
  booted: boolean;
  network: boolean;
  addresses: string[];
  detail?: string;
  console?: string[];
}

let vmdk: string;
let sourceHash: string;

beforeAll(async () => {
  vmdk = (await ensureImage('debian-12-bootable')).files.vmdk!;
  sourceHash = await sha256(vmdk);
}, LONG);

describe('the boot proof on debian-12-bootable', () => {
  let outputDir: string;

  afterAll(async () => {
    if (outputDir) await rm(outputDir, { recursive: true, force: true });
  });

  it(
    'before repair: the VMware disk does not boot on virtio',
    async () => {
      const before = await run(['verify', '--disk', vmdk, '--json', '--timeout', '240']);
      const verdict = JSON.parse(before.stdout) as VerifyJson;
      expect(verdict.booted).toBe(false);
      expect(verdict.detail).toMatch(/root device not found/);
      expect(before.code).toBe(1);
      expect(await sha256(vmdk)).toBe(sourceHash);
    },
    LONG,
  );

  it(
    'after migrate --verify: booted with the network up at 10.0.2.15',
    async () => {
      outputDir = await mkdtemp(join(tmpdir(), 'h2k-boot-proof-'));
      const migrated = await run(['migrate', vmdk, '--output', outputDir, '--verify', '--checksum', '--json']);
      const report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as RunReport;
      // Shown on failure: what the guest printed last.
      const why = JSON.stringify({ status: report.status, error: report.error, verify: report.verify }, null, 2);
      expect(report.verify, why).not.toBeNull();
      expect(report.verify?.booted, why).toBe(true);
      expect(report.verify?.network, why).toBe(true);
      expect(report.verify?.addresses, why).toContain('10.0.2.15');
      // It booted from an initramfs that got its virtio drivers on the host, not from the guest's own rebuild.
      expect(report.plan?.findings.map((finding) => finding.rule)).toEqual(expect.arrayContaining(['initramfs-append', 'initramfs-appended']));
      expect(report.plan?.findings.map((finding) => finding.rule)).not.toContain('initramfs-append-fallback');
      console.info(`migrate --verify: fix ${report.timings['fix']} ms, of which initramfs.rebuild ${report.timings['fix.action:initramfs.rebuild']} ms`);
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(await sha256(vmdk)).toBe(sourceHash);
    },
    LONG,
  );

  it(
    'verify --disk --bus scsi: the output boots on virtio-scsi too, with its address, and stays byte-identical',
    async () => {
      const report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as RunReport;
      const disk = report.outputs[0]!.path;
      const before = await sha256(disk);
      expect(before).toBe(report.outputs[0]!.sha256);
      // The VMDK alone gives no MAC, so the repair bound the NIC config to the virtio_net driver: any MAC does.
      const scsi = await run(['verify', '--disk', disk, '--bus', 'scsi', '--json']);
      expect(JSON.parse(scsi.stdout)).toMatchObject({ booted: true, network: true, addresses: expect.arrayContaining(['10.0.2.15']) });
      expect(scsi.code).toBe(0);
      expect(await sha256(disk)).toBe(before);
    },
    LONG,
  );
});
