/**
 * Matrix guest: LVM, XFS and ifupdown (test-images/recipes/debian-12-lvm-xfs.mjs).
 * A real Debian with an XFS root on LVM, a separate XFS /var, /boot and swap
 * named by /dev/sdaN in fstab, resume=/dev/sda2, and its NIC configured by
 * ifupdown's `allow-hotplug ens192`. It must not boot on virtio as exported;
 * after migrate with the default preset it must boot on virtio-blk and
 * virtio-net with its static address, every file system and the swap found by
 * UUID, and the NIC named as ifupdown expects it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleMarkers, ensureImage, hyper2kvm, LONG, sha256, type TestImage } from './matrix.js';

interface Report {
  status: string;
  facts: { linux: { filesystems: { mountpoint: string; type: string; version?: string }[] } };
  plan: { network?: { path: string; interfaces: { name?: string; kvmNic?: number; addresses: string[] }[] }[] };
}

let image: TestImage;
let sourceHash: string;
let outputDir: string;

beforeAll(async () => {
  image = await ensureImage('debian-12-lvm-xfs');
  sourceHash = await sha256(image.files.vmdk!);
  outputDir = await mkdtemp(join(tmpdir(), 'h2k-matrix-lvm-xfs-'));
}, LONG);

afterAll(async () => {
  if (outputDir) await rm(outputDir, { recursive: true, force: true });
});

describe('debian-12-lvm-xfs: XFS root on LVM, separate /var, swap and resume by kernel name, ifupdown allow-hotplug', () => {
  it(
    'before repair: the exported disk does not boot on virtio',
    async () => {
      const before = await hyper2kvm(['verify', '--disk', image.files.vmdk!, '--json', '--timeout', '300']);
      process.stdout.write(`debian-12-lvm-xfs: unrepaired boot ${before.seconds} s\n`);
      const verdict = JSON.parse(before.stdout) as { booted: boolean; detail?: string };
      expect(verdict.booted, before.stdout).toBe(false);
      expect(verdict.detail).toMatch(/root device not found|does not exist/);
      expect(before.code).toBe(1);
      expect(await sha256(image.files.vmdk!)).toBe(sourceHash);
    },
    LONG,
  );

  it(
    'migrates: the report gives the XFS version of / and /var, the ifupdown NIC lands on KVM NIC 0',
    async () => {
      const migrated = await hyper2kvm(['migrate', image.files.vmx!, '--output', outputDir, '--json']);
      process.stdout.write(`debian-12-lvm-xfs: migrate ${migrated.seconds} s\n`);
      expect(migrated.code, migrated.stderr).toBe(0);
      const report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as Report;
      const xfs = report.facts.linux.filesystems.filter((fs) => fs.type === 'xfs').map(({ mountpoint, version }) => ({ mountpoint, version }));
      expect(xfs.sort((a, b) => a.mountpoint.localeCompare(b.mountpoint))).toEqual([
        { mountpoint: '/', version: 'V5' },
        { mountpoint: '/var', version: 'V5' },
      ]);
      expect(report.plan.network?.find((file) => file.path === '/etc/network/interfaces')?.interfaces).toEqual([
        expect.objectContaining({ name: 'ens192', kvmNic: 0, addresses: ['10.0.2.15/24'] }),
      ]);
      expect(await sha256(image.files.vmdk!)).toBe(sourceHash);
    },
    LONG,
  );

  it(
    'boots on virtio with its address; /boot, /var and swap by UUID, resume= by UUID, the NIC still ens192',
    async () => {
      const consoleLog = join(outputDir, 'console.log');
      const { marker, address, rootDevice, bootUuid, swapUuid, varUuid } = image.recipe.expect as Record<string, string>;
      const done = `${marker}: done`;
      const verified = await hyper2kvm(['verify', outputDir, '--json', '--console-log', consoleLog, '--wait-for', done]);
      process.stdout.write(`debian-12-lvm-xfs: boot ${verified.seconds} s\n`);
      expect(JSON.parse(verified.stdout), verified.stdout).toMatchObject({
        booted: true,
        network: true,
        addresses: expect.arrayContaining([address]),
        waitedFor: { text: done, seen: true },
      });
      expect(verified.code).toBe(0);
      // findmnt pads its columns: compare words.
      const seen = Object.fromEntries(
        Object.entries(await consoleMarkers(consoleLog, marker!)).map(([key, value]) => [key, value.replace(/\s+/g, ' ').trim()]),
      );
      expect(seen.root).toBe(rootDevice);
      expect(seen.var).toBe('xfs /dev/vda3');
      expect(seen.boot).toBe('ext4 /dev/vda1');
      expect(seen.swap).toBe('/dev/vda2');
      expect(seen.cmdline).toContain(`resume=UUID=${swapUuid}`);
      expect(seen.cmdline).not.toMatch(/\/dev\/sd/);
      expect(seen.fstab?.split(' ')).toEqual([rootDevice, `UUID=${bootUuid}`, `UUID=${varUuid}`, `UUID=${swapUuid}`]);
      expect(seen.nic).toBe('ens192');
    },
    LONG,
  );
});
