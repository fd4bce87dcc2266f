/**
 * Matrix guest: cloud-init (test-images/recipes/debian-12-cloud-init.mjs). A
 * real Debian whose cloud-init ran once on its old cloud; migrated with the
 * default preset, then booted on virtio-blk and virtio-net. It must come up
 * with its static address on the NIC its rendered netplan now matches, and
 * cloud-init must see the SAME instance: the SSH host key made on the cloud
 * is still the one it serves, the hostname is the cloud's. (This guest's
 * cloud was NoCloud, whose cached datasource cloud-init restores on KVM; the
 * path where the old datasource is not found and cloud-init would fall back
 * to a new `None` instance is covered by the plugin's plan tests.)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleMarkers, ensureImage, hyper2kvm, LONG, sha256, type TestImage } from './matrix.js';

interface Finding {
  rule: string;
  message: string;
}
interface Report {
  status: string;
  plan: { findings: Finding[]; network?: { path: string; interfaces: { name?: string; mac?: string; kvmNic?: number; addresses: string[] }[] }[] };
  facts: { linux: { networkConfigs: { path: string; interfaces: { name?: string; mac?: string }[] }[] } };
  timings: Record<string, number>;
}

let image: TestImage;
let firstBoot: Record<string, string>;
let sourceHash: string;
let outputDir: string;

beforeAll(async () => {
  image = await ensureImage('debian-12-cloud-init');
  firstBoot = JSON.parse(await readFile(image.files.firstBoot!, 'utf8')) as Record<string, string>;
  sourceHash = await sha256(image.files.vmdk!);
  outputDir = await mkdtemp(join(tmpdir(), 'h2k-matrix-cloud-init-'));
}, LONG);

afterAll(async () => {
  if (outputDir) await rm(outputDir, { recursive: true, force: true });
});

describe('debian-12-cloud-init: a guest from a cloud', () => {
  let report: Report;

  it(
    'migrates: the rendered netplan moves to the VMware MAC the domain keeps, cloud-init gets the old instance',
    async () => {
      const migrated = await hyper2kvm(['migrate', image.files.vmx!, '--output', outputDir, '--json']);
      report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as Report;
      expect(migrated.code, migrated.stderr).toBe(0);
      process.stdout.write(`debian-12-cloud-init: migrate ${migrated.seconds} s\n`);
      const { mac, cloudMac, instance } = image.recipe.expect;
      const rendered = '/etc/netplan/50-cloud-init.yaml';
      expect(report.facts.linux.networkConfigs.find((file) => file.path === rendered)?.interfaces).toEqual([
        expect.objectContaining({ name: 'ens5', mac: cloudMac }),
      ]);
      expect(report.plan.network?.find((file) => file.path === rendered)?.interfaces).toEqual([
        expect.objectContaining({ name: 'ens5', mac, kvmNic: 0, addresses: ['10.0.2.15/24'] }),
      ]);
      expect(report.plan.findings.find((finding) => finding.rule === 'cloud-init-on-kvm')?.message).toContain(`instance id of its last run (${instance})`);
      expect(await sha256(image.files.vmdk!)).toBe(sourceHash);
    },
    LONG,
  );

  it(
    'boots on virtio with its static address, the same instance and the SSH host key it had on the cloud',
    async () => {
      const consoleLog = join(outputDir, 'console.log');
      // The marker ends after cloud-init's last stage; the verdict alone would stop the guest sooner.
      const done = `${image.recipe.expect.marker}: done`;
      const verified = await hyper2kvm(['verify', outputDir, '--json', '--console-log', consoleLog, '--wait-for', done]);
      process.stdout.write(`debian-12-cloud-init: boot ${verified.seconds} s\n`);
      const verdict = JSON.parse(verified.stdout) as { booted: boolean; network: boolean; addresses: string[] };
      expect(verdict, verified.stdout).toMatchObject({
        booted: true,
        network: true,
        addresses: expect.arrayContaining([image.recipe.expect.address]),
        waitedFor: { text: done, seen: true },
      });
      expect(verified.code).toBe(0);
      const markers = await consoleMarkers(consoleLog, image.recipe.expect.marker!);
      expect(markers.instance).toBe(image.recipe.expect.instance);
      expect(markers.hostkey).toBe(firstBoot.hostkey);
      expect(markers.hostname).toBe(image.recipe.expect.hostname);
      expect(firstBoot.datasource).toMatch(/^DataSourceNoCloud \[seed=\/dev\/sdb\]/);
    },
    LONG,
  );
});
