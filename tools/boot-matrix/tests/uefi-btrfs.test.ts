/**
 * Matrix guest: UEFI, btrfs, dracut and systemd-networkd
 * (test-images/recipes/debian-12-uefi-btrfs.mjs). A real Debian installed for
 * UEFI with GRUB only in EFI/debian/ (its boot entry stayed in VMware's
 * NVRAM), the root in btrfs subvolume @ beside @home and a read-only
 * snapshot libguestfs lists first, a host-only dracut image without virtio,
 * and a networkd .link/.network pair pinned to ens192 and the VMware MAC.
 * As exported, a new VM's firmware finds nothing to boot; after migrate it
 * must boot under OVMF on virtio-blk and virtio-net with its static address,
 * from subvolume @, its NIC still called ens192.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleMarkers, ensureImage, hyper2kvm, LONG, sha256, type TestImage } from './matrix.js';

interface Report {
  status: string;
  facts: { firmware: string; os: { root?: string; skippedRoots?: { root: string }[] } };
  plan: {
    findings: { rule: string; message: string }[];
    network?: { path: string; interfaces: { name?: string; kvmNic?: number; addresses: string[] }[] }[];
  };
}

let image: TestImage;
let sourceHash: string;
let outputDir: string;

beforeAll(async () => {
  image = await ensureImage('debian-12-uefi-btrfs');
  sourceHash = await sha256(image.files.vmdk!);
  outputDir = await mkdtemp(join(tmpdir(), 'h2k-matrix-uefi-btrfs-'));
}, LONG);

afterAll(async () => {
  if (outputDir) await rm(outputDir, { recursive: true, force: true });
});

describe('debian-12-uefi-btrfs: UEFI without a fallback loader, btrfs subvolumes, dracut, systemd-networkd', () => {
  it(
    'before repair: a new VM’s UEFI firmware finds nothing to boot',
    async () => {
      const before = await hyper2kvm(['verify', '--disk', image.files.vmdk!, '--uefi', '--json', '--timeout', '300']);
      process.stdout.write(`debian-12-uefi-btrfs: unrepaired boot ${before.seconds} s\n`);
      const verdict = JSON.parse(before.stdout) as { booted: boolean; detail?: string };
      expect(verdict.booted, before.stdout).toBe(false);
      expect(verdict.detail).toMatch(/UEFI firmware found no boot loader/);
      expect(before.code).toBe(1);
      expect(await sha256(image.files.vmdk!)).toBe(sourceHash);
    },
    LONG,
  );

  it(
    'migrates: root @ not the snapshot, the fallback loader, dracut appended to, the .network’s NIC on KVM NIC 0',
    async () => {
      const migrated = await hyper2kvm(['migrate', image.files.vmx!, '--output', outputDir, '--json']);
      process.stdout.write(`debian-12-uefi-btrfs: migrate ${migrated.seconds} s\n`);
      expect(migrated.code, migrated.stderr).toBe(0);
      const report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as Report;
      expect(report.facts.firmware).toBe('uefi');
      expect(report.facts.os.root).toBe('btrfsvol:/dev/sda2/@');
      const rules = report.plan.findings.map((finding) => finding.rule);
      expect(rules).toEqual(expect.arrayContaining(['efi-fallback-loader', 'initramfs-appended']));
      expect(rules).not.toContain('initramfs-append-fallback');
      expect(report.plan.network?.find((file) => file.path === '/etc/systemd/network/20-ens192.network')?.interfaces).toEqual([
        expect.objectContaining({ name: 'ens192', kvmNic: 0, addresses: ['10.0.2.15/24'] }),
      ]);
      expect(await sha256(image.files.vmdk!)).toBe(sourceHash);
    },
    LONG,
  );

  it(
    'boots under OVMF on virtio with its address, from @, the NIC renamed to ens192 by its .link',
    async () => {
      const consoleLog = join(outputDir, 'console.log');
      const { marker, address } = image.recipe.expect as Record<string, string>;
      const done = `${marker}: done`;
      // OVMF and the marker's lsinitrd are slow under TCG: on a loaded 2-CPU host the marker came after 300 s.
      const verified = await hyper2kvm(['verify', outputDir, '--json', '--timeout', '600', '--console-log', consoleLog, '--wait-for', done]);
      process.stdout.write(`debian-12-uefi-btrfs: boot ${verified.seconds} s\n`);
      expect(JSON.parse(verified.stdout), verified.stdout).toMatchObject({
        booted: true,
        network: true,
        addresses: expect.arrayContaining([address]),
        waitedFor: { text: done, seen: true },
      });
      expect(verified.code).toBe(0);
      const seen = await consoleMarkers(consoleLog, marker!);
      expect(seen.firmware?.trim()).toBe('uefi');
      expect(seen.nic?.trim()).toBe('ens192');
      expect(seen.root?.trim()).toMatch(/^\/dev\/vda2\[\/@\]\s+btrfs$/);
      expect(seen.home?.trim()).toBe('/dev/vda2[/@home]');
      expect(seen.efi?.trim()).toBe('/dev/vda1');
      expect(Number(seen.initramfs)).toBeGreaterThan(0);
    },
    LONG,
  );
});
