/**
 * Real qemu, real Debian (test-images debian-12-bootable, built as on VMware:
 * no virtio in its initramfs, root=/dev/sda1, netplan pinned to ens192 and
 * the VMware MAC):
 * - on virtio-blk it must be judged as not booting, its root device missing,
 *   and the verify must leave the disk it booted byte-identical;
 * - on SATA (which its initramfs has) with its own MAC it boots, and the
 *   verifier must see its network up at 10.0.2.15.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineFromOutputDir, verifyMachine, type BootResult } from '../src/index.js';

const LONG = 900_000;
const builderUrl = new URL('../../../test-images/build.mjs', import.meta.url);

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A domain like the one migrate emits, around one disk. */
function domainXml(disk: string, bus: 'virtio' | 'sata', mac?: string): string {
  return `<domain type='kvm'>
  <name>deb12</name>
  <memory unit='MiB'>1024</memory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${disk}'/>
      <target dev='${bus === 'virtio' ? 'vda' : 'sda'}' bus='${bus}'/>
    </disk>
    <interface type='network'>${mac ? `<mac address='${mac}'/>` : ''}<source network='default'/><model type='virtio'/></interface>
  </devices>
</domain>
`;
}

async function unrepairedVmdk(): Promise<string> {
  const builder = (await import(fileURLToPath(builderUrl))) as { ensureImage(name: string): Promise<{ files: { vmdk?: string } }> };
  return (await builder.ensureImage('debian-12-bootable')).files.vmdk as string;
}

/** An output folder as migrate leaves it, but with the disk NOT repaired. */
async function outputFolder(bus: 'virtio' | 'sata', mac?: string): Promise<{ dir: string; disk: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'h2k-verify-unrepaired-'));
  const disk = join(dir, 'deb12-disk1.qcow2');
  await execa('qemu-img', ['convert', '-q', '-f', 'vmdk', '-O', 'qcow2', await unrepairedVmdk(), disk]);
  await writeFile(join(dir, 'deb12.xml'), domainXml(disk, bus, mac));
  return { dir, disk };
}

describe('verify an unrepaired VMware Debian on virtio', () => {
  let outputDir: string;
  let disk: string;
  let hashBefore: string;
  let result: BootResult;
  let seconds: number;

  beforeAll(async () => {
    ({ dir: outputDir, disk } = await outputFolder('virtio'));
    hashBefore = await sha256(disk);
    const started = performance.now();
    result = await verifyMachine(await machineFromOutputDir(outputDir), { timeoutSeconds: 240, consoleLog: join(outputDir, 'console.log') });
    seconds = Math.round((performance.now() - started) / 1000);
    process.stderr.write(`unrepaired verify boot: ${seconds} s, detail: ${result.detail}\n`);
  }, LONG);

  afterAll(async () => {
    if (outputDir) await rm(outputDir, { recursive: true, force: true });
  });

  it('says it did not boot because the root device was not found', () => {
    expect(result.booted).toBe(false);
    expect(result.network).toBe(false);
    expect(result.addresses).toEqual([]);
    expect(result.detail).toMatch(/root device not found: \/dev\/sda1 does not exist/);
    expect(result.console?.length).toBeGreaterThan(3);
    expect(result.console?.join('\n')).toMatch(/Gave up waiting for root|ALERT!/);
  });

  it('stopped qemu once the verdict was known, long before the time limit', () => {
    expect(seconds).toBeLessThan(200);
  });

  it('left the disk it booted byte-identical', async () => {
    expect(await sha256(disk)).toBe(hashBefore);
  });
});

describe('verify the same guest on the hardware it was built for (SATA, its own MAC)', () => {
  let outputDir: string;
  let result: BootResult;

  beforeAll(async () => {
    ({ dir: outputDir } = await outputFolder('sata', '00:50:56:8a:3c:12'));
    const started = performance.now();
    result = await verifyMachine(await machineFromOutputDir(outputDir), { timeoutSeconds: 400 });
    process.stderr.write(`SATA verify boot: ${Math.round((performance.now() - started) / 1000)} s, ${JSON.stringify(result.addresses)}\n`);
  }, LONG);

  afterAll(async () => {
    if (outputDir) await rm(outputDir, { recursive: true, force: true });
  });

  it('says it booted with its network up at the configured address', () => {
    expect(result, JSON.stringify(result, null, 2)).toMatchObject({ booted: true, network: true });
    expect(result.addresses).toContain('10.0.2.15');
    expect(result.console).toBeUndefined();
    expect(result.detail).toBeUndefined();
  });
});
