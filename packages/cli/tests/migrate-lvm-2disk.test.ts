/**
 * A VM whose LVM root spans two disks (test image rhel-9-lvm-2disk: VG rhel
 * on a PV on each disk, LV root with extents on both), through the real
 * libguestfs appliance and qemu-img: all disks of the VM are opened together
 * in one appliance, inspected as one guest, converted in the VM's disk order.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InspectResult, RunReport } from '../src/index.js';
import { ensureImage, sha256 } from './test-image.js';
import { type CliResult, runCli } from './run-cli.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
const LONG = 600_000;
/** Phony guests cannot run their own initramfs and grub tools: see the fixture. */
const PHONY_CONFIG = join(import.meta.dirname, 'fixtures', 'phony-guest.config.json');
/** The PVs as libguestfs names them: partition 3 of disk 1, partition 1 of disk 2. */
const PV1 = '/dev/sda3';
const PV2 = '/dev/sdb1';
const KERNEL = '5.14.0-362.el9.x86_64';

interface LvLayout {
  pvs: string[];
  lvDevices: Record<string, string[]>;
  extra: Record<string, string[]>;
}
/** The test-images read-back of which PVs each LV has extents on (plain ESM under test-images/lib). */
async function readLvDevices(disks: string[], options: { format: string; pvs: string[]; extra?: Record<string, string[]> }): Promise<LvLayout> {
  const url = new URL('../../../test-images/lib/lvm-layout.mjs', import.meta.url);
  const helper = (await import(fileURLToPath(url))) as { readLvDevices(disks: string[], options: object): Promise<LvLayout> };
  return helper.readLvDevices(disks, options);
}

const run = (argv: string[]): Promise<CliResult> => runCli(argv, tmpdir());

let vmx: string;
let disks: string[];
const sourceHashes = new Map<string, string>();

beforeAll(async () => {
  const { files } = await ensureImage('rhel-9-lvm-2disk');
  vmx = files.vmx!;
  disks = [files.vmdk!, files.vmdk2!];
  for (const path of [vmx, ...disks]) sourceHashes.set(path, await sha256(path));
}, LONG);

describe('inspect the two disks of rhel-9-lvm-2disk together', () => {
  let result: { code: number; stdout: string; stderr: string };
  let inspected: InspectResult;

  beforeAll(async () => {
    result = await run(['inspect', ...disks, '--json']);
    inspected = JSON.parse(result.stdout) as InspectResult;
  }, LONG);

  it('finds RHEL 9.3 in one appliance launch with both disks in the order given', () => {
    expect(result.code).toBe(0);
    expect(inspected.applianceLaunches).toBe(1);
    expect(inspected.facts.os).toMatchObject({ type: 'linux', hostname: 'rhel9-db02.example.com' });
    expect(inspected.facts.linux).toMatchObject({ distro: 'rhel', version: { major: 9, minor: 3 }, bootloader: 'grub2', bls: true });
    expect(inspected.facts.vm?.disks.map((disk) => disk.path)).toEqual(disks);
  });

  it('mounts the root LV at /, the XFS /boot and the ESP at /boot/efi', () => {
    const linux = inspected.facts.linux;
    // The root's fstab says where it and the others are; only the LV holds /etc.
    expect(linux?.fstab.map(({ spec, mountpoint }) => [mountpoint, spec])).toEqual([
      ['/', '/dev/mapper/rhel-root'],
      ['/boot', 'UUID=8d3e2c1b-4a5f-4e6d-9c7b-2a1f0e9d8c7b'],
      ['/boot/efi', '/dev/sda1'],
      ['none', '/dev/mapper/rhel-swap'],
    ]);
    // XFS says its on-disk version (V5: what mkfs.xfs of the last decade makes, and RHEL 8+ needs).
    expect(linux?.filesystems.filter((fs) => fs.type === 'xfs').map(({ mountpoint, version }) => [mountpoint, version])).toEqual([
      ['/boot', 'V5'],
      ['/', 'V5'],
    ]);
    // The kernel and its initramfs live only on /boot, the shim's grub.cfg only on the ESP.
    expect(linux?.kernels.map((kernel) => kernel.initramfs)).toContain(`/boot/initramfs-${KERNEL}.img`);
    expect(linux?.bootloaderConfigs).toContain('/boot/efi/EFI/redhat/grub.cfg');
    expect(inspected.facts.firmware).toBe('uefi');
  });

  it(
    'says the second disk is missing when given the first alone: VG rhel lists a PV on none of the disks given',
    async () => {
      const alone = await run(['inspect', disks[0]!, '--json']);
      expect(alone.code).toBe(1);
      expect(JSON.parse(alone.stdout)).toMatchObject({ error: { code: 'LVM_PV_MISSING' } });
      expect(alone.stderr.trim().split('\n').at(-1)).toBe(
        `${disks[0]!}: LVM volume group rhel has 2 physical volumes but only 1 is on the disks given; give every disk of the VM (or its .vmx/.ovf)`,
      );
    },
    LONG,
  );
});

describe('migrate rhel-9-lvm-2disk.vmx', () => {
  let outputDir: string;
  let result: { code: number; stdout: string; stderr: string };
  let report: RunReport;

  beforeAll(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'h2k-lvm-2disk-'));
    result = await run(['migrate', vmx, '--output', outputDir, '--json', '--config', PHONY_CONFIG]);
    report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as RunReport;
  }, LONG);

  it('converts both disks with one appliance launch, in the VMX order', async () => {
    expect(result.code).toBe(0);
    expect(report.status).toBe('converted');
    expect(report.applianceLaunches).toBe(1);
    const name = report.name;
    expect(report.source.disks.map((disk) => disk.path)).toEqual(disks);
    expect(report.outputs.map((output) => [output.index, output.path])).toEqual([
      [0, join(outputDir, `${name}-disk1.qcow2`)],
      [1, join(outputDir, `${name}-disk2.qcow2`)],
    ]);
    // The disks differ in size (512 and 256 MiB), so a swap would show here.
    expect(report.outputs.map((output) => output.virtualSize)).toEqual([512 * 2 ** 20, 256 * 2 ** 20]);
    for (const [index, output] of report.outputs.entries()) {
      const info = JSON.parse((await execa('qemu-img', ['info', '--output=json', output.path])).stdout) as { format: string; 'virtual-size': number };
      expect(info).toMatchObject({ format: 'qcow2', 'virtual-size': report.source.disks[index]!.virtualSize });
    }
    expect((await readdir(outputDir)).sort()).toEqual(
      ['backup', 'hyper2kvm.log', 'report.json', 'report.md', `${name}-disk1.qcow2`, `${name}-disk2.qcow2`, `${name}.xml`, `${name}-kubevirt.yaml`].sort(),
    );
  });

  it('emits a libvirt domain with the two disks in order, vda then vdb', async () => {
    const xml = await readFile(join(outputDir, `${report.name}.xml`), 'utf8');
    const domainDisks = [...xml.matchAll(/<disk type='file' device='disk'>[\s\S]*?<source file='([^']+)'\/>\s*<target dev='([^']+)' bus='virtio'\/>/g)].map(
      (match) => [match[1], match[2]],
    );
    expect(domainDisks).toEqual([
      [report.outputs[0]!.path, 'vda'],
      [report.outputs[1]!.path, 'vdb'],
    ]);
  });

  it('never wrote the sources', async () => {
    for (const [path, hash] of sourceHashes) expect(await sha256(path)).toBe(hash);
  });

  it(
    'leaves the root LV spanning both output disks, with fstab and the LVM devices file repaired',
    async () => {
      const outputs = report.outputs.map((output) => output.path);
      const readBack = await readLvDevices(outputs, {
        format: 'qcow2',
        pvs: [PV1, PV2],
        extra: {
          fstab: ['mount-ro /dev/rhel/root /', 'cat /etc/fstab'],
          devicesFile: ['exists /etc/lvm/devices/system.devices'],
        },
      });
      expect(readBack.pvs.sort()).toEqual([PV1, PV2]);
      expect(readBack.lvDevices).toEqual({ 'rhel/root': [PV1, PV2], 'rhel/swap': [PV1] });
      const fstab = readBack.extra['fstab']!.join('\n');
      // The ESP was named by kernel name; on virtio it is found by its FAT volume ID.
      expect(fstab).toMatch(/^UUID=7A3B-1C2D\s+\/boot\/efi\s+vfat/m);
      expect(fstab).not.toMatch(/^\/dev\/sd/m);
      expect(fstab).toMatch(/^\/dev\/mapper\/rhel-root\s+\/\s+xfs/m);
      // The stale devices file names the VMware disks by WWID: LVM would ignore the PVs on virtio.
      expect(readBack.extra['devicesFile']).toEqual(['false']);
      expect(await readFile(join(outputDir, 'backup/files/etc/lvm/devices/system.devices'), 'utf8')).toContain('DEVNAME=/dev/sdb1');
    },
    LONG,
  );
});
