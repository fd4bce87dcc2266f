import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryChange } from '@hyper2kvm/core';
import { GuestfsAppliance, GuestRegistry, applianceLaunchCount, type EfiSystemPartition, type OsInspection } from '../src/index.js';

process.env['LIBGUESTFS_BACKEND'] = 'direct';

const builderUrl = new URL('../../../test-images/build.mjs', import.meta.url);

async function windows2022Vmdk(): Promise<string> {
  const builder = (await import(fileURLToPath(builderUrl))) as {
    ensureImage(name: string, options?: { log?: (line: string) => void }): Promise<{ files: { vmdk?: string } }>;
  };
  const image = await builder.ensureImage('windows-2022', { log: () => undefined });
  if (!image.files.vmdk) throw new Error('windows-2022 has no VMDK');
  return image.files.vmdk;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** hivexget, the libhivex command-line reader: independent of our FFI. */
async function hivexget(hive: string, key: string, name?: string): Promise<{ ok: boolean; out: string }> {
  const result = await execa('hivexget', name === undefined ? [hive, key] : [hive, key, name], { reject: false });
  return { ok: result.exitCode === 0, out: result.stdout.trim() };
}

const SERVICE = 'ControlSet001\\Services\\viostor';

describe('GuestRegistry on the windows-2022 image (real appliance, overlay)', () => {
  let dir: string;
  let vmdk: string;
  let sourceHash: string;
  let appliance: GuestfsAppliance;
  let inspection: OsInspection;
  let esps: EfiSystemPartition[];
  let registry: GuestRegistry;
  let launchesBefore: number;
  let overlay: string;

  beforeAll(async () => {
    vmdk = await windows2022Vmdk();
    sourceHash = await sha256(vmdk);
    dir = await mkdtemp(join(tmpdir(), 'hyper2kvm-guest-registry-'));
    overlay = join(dir, 'overlay.qcow2');
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'vmdk', '-b', vmdk, overlay]);
    launchesBefore = applianceLaunchCount();
    // Two vCPUs (as `appliance.vcpus: 2` asks) on an appliance that only does file work, so its timing does not matter.
    appliance = await GuestfsAppliance.launch({ disks: [{ path: overlay, format: 'qcow2' }], vcpus: 2 });
    const found = await appliance.inspectOs();
    if (!found) throw new Error('libguestfs found no OS on windows-2022');
    inspection = found;
    esps = await appliance.efiSystemPartitions();
    await appliance.mountGuest(inspection);
    registry = new GuestRegistry(appliance, { systemRoot: inspection.windowsSystemRoot ?? '/Windows', workDir: dir });
  });

  afterAll(async () => {
    await registry?.close();
    await appliance?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives the appliance the vCPUs asked for', async () => {
    // The qemu process is the one whose command line attaches this test's overlay.
    const { stdout } = await execa('pgrep', ['-a', '-f', overlay]);
    expect(stdout.split('\n').find((line) => /qemu-system/.test(line))).toMatch(/ -smp 2( |$)/);
  });

  it('sees a Windows guest and the ESP holding the Windows boot manager store', () => {
    expect(inspection).toMatchObject({
      type: 'windows',
      root: '/dev/sda3',
      windowsSystemRoot: '/Windows',
      windowsCurrentControlSet: 'ControlSet001',
      arch: 'x86_64',
    });
    expect(esps).toEqual([{ device: '/dev/sda1', windowsBcd: '/EFI/Microsoft/Boot/BCD' }]);
  });

  it('reads values and subkeys from the downloaded hives, case-insensitively', async () => {
    expect(await registry.getValue('SOFTWARE', 'microsoft\\windows nt\\currentversion', 'ProductName')).toEqual({
      type: 'REG_SZ',
      data: 'Windows Server 2022 Standard',
    });
    expect(await registry.getValue('SOFTWARE', 'Microsoft\\Windows NT\\CurrentVersion', 'CurrentMajorVersionNumber')).toEqual({ type: 'REG_DWORD', data: 10 });
    expect(
      await registry.getValue('SYSTEM', 'ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces\\{3E1A5C7B-9D2F-4E6A-8B0C-1D3F5A7B9C2E}', 'IPAddress'),
    ).toEqual({ type: 'REG_MULTI_SZ', data: ['10.20.30.41'] });
    expect(await registry.listSubkeys('SYSTEM', '')).toEqual(expect.arrayContaining(['ControlSet001', 'ControlSet002', 'DriverDatabase', 'Select']));
    expect(await registry.listSubkeys('SYSTEM', 'ControlSet001\\Control\\CriticalDeviceDatabase')).toBeNull();
    expect(await registry.getValue('SAM', 'Domains', 'F')).toBeNull();
    expect(await registry.guestPathOf('SYSTEM')).toBe('/Windows/System32/config/SYSTEM');
  });

  it('applies set, deleteValue and deleteKey through a verified commit, uploads the hive and keeps the original', async () => {
    const backupDir = join(dir, 'backup');
    const changes: RegistryChange[] = [
      { kind: 'registry.set', plugin: 'test', reason: 'boot driver', hive: 'SYSTEM', key: SERVICE, name: 'Start', value: { type: 'REG_DWORD', data: 0 } },
      {
        kind: 'registry.set',
        plugin: 'test',
        reason: 'boot driver',
        hive: 'SYSTEM',
        key: SERVICE,
        name: 'ImagePath',
        value: { type: 'REG_EXPAND_SZ', data: 'System32\\drivers\\viostor.sys' },
      },
      {
        kind: 'registry.set',
        plugin: 'test',
        reason: 'boot driver',
        hive: 'SYSTEM',
        key: SERVICE,
        name: 'Group',
        value: { type: 'REG_SZ', data: 'SCSI miniport' },
      },
      { kind: 'registry.deleteKey', plugin: 'test', reason: 'VMware gone', hive: 'SYSTEM', key: 'ControlSet001\\Services\\vmhgfs' },
      { kind: 'registry.deleteValue', plugin: 'test', reason: 'tidy', hive: 'SYSTEM', key: 'ControlSet001\\Services\\LSI_SAS', name: 'Tag' },
    ];
    await registry.apply('SYSTEM', changes, backupDir);

    // The reader sees the new state at once.
    expect(await registry.getValue('SYSTEM', SERVICE, 'Start')).toEqual({ type: 'REG_DWORD', data: 0 });
    expect(await registry.listSubkeys('SYSTEM', 'ControlSet001\\Services\\vmhgfs')).toBeNull();

    // What the guest now holds, read back from the appliance by an independent reader.
    const readBack = join(dir, 'SYSTEM.read-back');
    await appliance.download('/Windows/System32/config/SYSTEM', readBack);
    expect(await hivexget(readBack, `\\${SERVICE}`, 'Start')).toEqual({ ok: true, out: '0' });
    expect(await hivexget(readBack, `\\${SERVICE}`, 'ImagePath')).toEqual({ ok: true, out: 'System32\\drivers\\viostor.sys' });
    expect(await hivexget(readBack, `\\${SERVICE}`, 'Group')).toEqual({ ok: true, out: 'SCSI miniport' });
    expect((await hivexget(readBack, '\\ControlSet001\\Services\\vmhgfs')).ok).toBe(false);
    expect((await hivexget(readBack, '\\ControlSet001\\Services\\LSI_SAS', 'Tag')).ok).toBe(false);
    expect(await hivexget(readBack, '\\ControlSet001\\Services\\LSI_SAS', 'Start')).toEqual({ ok: true, out: '0' });
    expect(await hivexget(readBack, '\\ControlSet002\\Services\\vmhgfs', 'Start')).toEqual({ ok: true, out: '1' });

    // The original, as it was before the edit.
    expect(await readdir(backupDir)).toEqual(['SYSTEM']);
    const original = join(backupDir, 'SYSTEM');
    expect(await hivexget(original, '\\ControlSet001\\Services\\vmhgfs', 'Start')).toEqual({ ok: true, out: '1' });
    expect((await hivexget(original, `\\${SERVICE}`)).ok).toBe(false);
  });

  it('launched one appliance and never wrote the source VMDK', async () => {
    await appliance.sync();
    expect(applianceLaunchCount() - launchesBefore).toBe(1);
    expect(await sha256(vmdk)).toBe(sourceHash);
  });
});
