/**
 * Matrix guest: NetworkManager (test-images/recipes/debian-12-nm.mjs). A real
 * Debian whose only NIC config is a NetworkManager keyfile pinned to ens192
 * by name and to the VMware MAC. It must not boot on virtio as exported;
 * after migrate it must boot on virtio-blk and virtio-net with the keyfile's
 * static address, the connection active on a NIC still called ens192.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleMarkers, ensureImage, hyper2kvm, LONG, sha256, type TestImage } from './matrix.js';

interface Report {
  status: string;
  plan: { network?: { path: string; flavour?: string; interfaces: { name?: string; mac?: string; kvmNic?: number; addresses: string[] }[] }[] };
}

const KEYFILE = '/etc/NetworkManager/system-connections/Wired connection ens192.nmconnection';

let image: TestImage;
let sourceHash: string;
let outputDir: string;

beforeAll(async () => {
  image = await ensureImage('debian-12-nm');
  sourceHash = await sha256(image.files.vmdk!);
  outputDir = await mkdtemp(join(tmpdir(), 'h2k-matrix-nm-'));
}, LONG);

afterAll(async () => {
  if (outputDir) await rm(outputDir, { recursive: true, force: true });
});

describe('debian-12-nm: a NetworkManager keyfile pinned to ens192 and the VMware MAC', () => {
  it(
    'before repair: the exported disk does not boot on virtio',
    async () => {
      const before = await hyper2kvm(['verify', '--disk', image.files.vmdk!, '--json', '--timeout', '300']);
      process.stdout.write(`debian-12-nm: unrepaired boot ${before.seconds} s\n`);
      const verdict = JSON.parse(before.stdout) as { booted: boolean; detail?: string };
      expect(verdict.booted, before.stdout).toBe(false);
      expect(verdict.detail).toMatch(/root device not found|does not exist/);
      expect(before.code).toBe(1);
      expect(await sha256(image.files.vmdk!)).toBe(sourceHash);
    },
    LONG,
  );

  it(
    'migrates: the keyfile’s NIC lands on KVM NIC 0 with its address',
    async () => {
      const migrated = await hyper2kvm(['migrate', image.files.vmx!, '--output', outputDir, '--json']);
      process.stdout.write(`debian-12-nm: migrate ${migrated.seconds} s\n`);
      expect(migrated.code, migrated.stderr).toBe(0);
      const report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as Report;
      expect(report.plan.network?.find((file) => file.path === KEYFILE)?.interfaces).toEqual([
        expect.objectContaining({ name: 'ens192', kvmNic: 0, addresses: ['10.0.2.15/24'] }),
      ]);
      expect(await sha256(image.files.vmdk!)).toBe(sourceHash);
    },
    LONG,
  );

  it(
    'boots on virtio with the keyfile’s address, its connection active on ens192',
    async () => {
      const consoleLog = join(outputDir, 'console.log');
      const { marker, address, connection } = image.recipe.expect as Record<string, string>;
      const done = `${marker}: done`;
      const verified = await hyper2kvm(['verify', outputDir, '--json', '--console-log', consoleLog, '--wait-for', done]);
      process.stdout.write(`debian-12-nm: boot ${verified.seconds} s\n`);
      expect(JSON.parse(verified.stdout), verified.stdout).toMatchObject({
        booted: true,
        network: true,
        addresses: expect.arrayContaining([address]),
        waitedFor: { text: done, seen: true },
      });
      expect(verified.code).toBe(0);
      const seen = await consoleMarkers(consoleLog, marker!);
      expect(seen.nic?.trim()).toBe('ens192');
      // NetworkManager 1.42 lists its loopback connection too (`lo:lo`).
      expect(seen.nm).toContain(`${connection}:ens192`);
      expect(seen.root?.trim()).toBe('/dev/vda1');
    },
    LONG,
  );
});
