import { UsageError } from '@hyper2kvm/core';
import { execa } from 'execa';
import { copyFile, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qemuFilename } from '../src/qemu-filename.js';
import { openSource } from '../src/source.js';
import { readTarIndex } from '../src/tar-index.js';
import { IMAGE_SIZE, MiB, buildRawImage, convertImage, makeTempDir, removeDir, sameContent } from './helpers/images.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
let dir: string;
let raw1: string;
let raw2: string;

beforeAll(async () => {
  dir = await makeTempDir('source');
  raw1 = await buildRawImage(join(dir, 'raw1.img'));
  raw2 = await buildRawImage(join(dir, 'raw2.img'));
  const handle = await open(raw2, 'r+');
  await handle.write(Buffer.alloc(65536, 0x77), 0, 65536, 2 * MiB);
  await handle.close();
  await convertImage(raw1, join(dir, 'web01-disk1.vmdk'), 'vmdk', 'streamOptimized');
  await convertImage(raw2, join(dir, 'web01-disk2.vmdk'), 'vmdk', 'streamOptimized');
  await copyFile(join(FIXTURES, 'vmware-efi.ovf'), join(dir, 'web01.ovf'));
});
afterAll(async () => removeDir(dir));

describe('openSource with an OVA', () => {
  let ova: string;
  beforeAll(async () => {
    ova = join(dir, 'web01.ova');
    await execa('tar', ['--format=ustar', '-cf', ova, 'web01.ovf', 'web01-disk1.vmdk', 'web01-disk2.vmdk'], { cwd: dir });
  });

  it('reads the VM facts from the OVF member', async () => {
    const vm = (await openSource([ova])).vm;
    expect(vm).toMatchObject({ origin: 'ovf', descriptorPath: ova, name: 'web01', vcpus: 4, memoryMiB: 8192, firmware: 'uefi', secureBoot: true });
    expect(vm.nics.map((nic) => nic.mac)).toEqual(['00:50:56:ab:cd:01', '00:50:56:ab:cd:02']);
  });

  it('describes the disks as tar members read in place', async () => {
    const vm = (await openSource([ova])).vm;
    expect(vm.disks.map((disk) => [disk.path, disk.format, disk.virtualSize, disk.controller, disk.archiveMember?.name])).toEqual([
      [ova, 'vmdk', IMAGE_SIZE, 'scsi', 'web01-disk1.vmdk'],
      [ova, 'vmdk', IMAGE_SIZE, 'sata', 'web01-disk2.vmdk'],
    ]);
    const archive = await readFile(ova);
    for (const disk of vm.disks) {
      const member = disk.archiveMember!;
      const original = await readFile(join(dir, member.name));
      expect(member.size).toBe(original.length);
      expect(archive.subarray(member.offset, member.offset + member.size).equals(original)).toBe(true);
    }
  });

  it('lets qemu read each member through its json: filename', async () => {
    const vm = (await openSource([ova])).vm;
    const [disk1, disk2] = vm.disks;
    expect(qemuFilename(disk1!)).toMatch(
      /^json:\{"driver":"vmdk","file":\{"driver":"raw","offset":\d+,"size":\d+,"file":\{"driver":"file","filename":".*web01.ova"\}\}\}$/,
    );
    expect(await sameContent(qemuFilename(disk1!), raw1, { b: 'raw' })).toBe(true);
    expect(await sameContent(qemuFilename(disk2!), raw2, { b: 'raw' })).toBe(true);
    expect(await sameContent(qemuFilename(disk2!), raw1, { b: 'raw' })).toBe(false);
  });
});

describe('readTarIndex on archives written by GNU tar', () => {
  it.each(['gnu', 'pax'])('long member names in --format=%s', async (format) => {
    const longName = `${'a-very-long-disk-name-'.repeat(6)}${format}.vmdk`;
    await copyFile(join(dir, 'web01-disk1.vmdk'), join(dir, longName));
    const archive = join(dir, `long-${format}.tar`);
    await execa('tar', [`--format=${format}`, '-cf', archive, 'web01.ovf', longName], { cwd: dir });
    const members = await readTarIndex(archive);
    expect(members.map((member) => member.name)).toEqual(['web01.ovf', longName]);
    const bytes = await readFile(archive);
    const member = members[1]!;
    expect(bytes.subarray(member.offset, member.offset + member.size).equals(await readFile(join(dir, longName)))).toBe(true);
  });
});

describe('openSource with descriptors beside their disks', () => {
  it('an OVF', async () => {
    const ovf = join(dir, 'web01.ovf');
    const vm = (await openSource([ovf])).vm;
    expect(vm).toMatchObject({ origin: 'ovf', name: 'web01', vcpus: 4, firmware: 'uefi' });
    expect(vm.disks.map((disk) => [disk.path, disk.format, disk.controller, disk.archiveMember])).toEqual([
      [join(dir, 'web01-disk1.vmdk'), 'vmdk', 'scsi', undefined],
      [join(dir, 'web01-disk2.vmdk'), 'vmdk', 'sata', undefined],
    ]);
  });

  it('a VMX', async () => {
    const vmxDir = join(dir, 'vmx');
    await execa('mkdir', [vmxDir]);
    await copyFile(join(FIXTURES, 'web01.vmx'), join(vmxDir, 'web01.vmx'));
    await convertImage(raw1, join(vmxDir, 'web01.vmdk'), 'vmdk', 'monolithicSparse');
    await convertImage(raw2, join(vmxDir, 'web01_1.vmdk'), 'vmdk', 'twoGbMaxExtentSparse');
    await convertImage(raw2, join(vmxDir, 'web01_2.vmdk'), 'vmdk', 'monolithicFlat');
    const vm = (await openSource([join(vmxDir, 'web01.vmx')])).vm;
    expect(vm).toMatchObject({ origin: 'vmx', name: 'web 01-café', vcpus: 2, memoryMiB: 4096, firmware: 'uefi', secureBoot: true });
    expect(vm.disks.map((disk) => [disk.path, disk.format, disk.controller])).toEqual([
      [join(vmxDir, 'web01.vmdk'), 'vmdk', 'scsi'],
      [join(vmxDir, 'web01_1.vmdk'), 'vmdk', 'sata'],
      [join(vmxDir, 'web01_2.vmdk'), 'vmdk', 'nvme'],
    ]);
    expect(vm.nics).toEqual([
      { mac: '00:0c:29:12:34:56', model: 'vmxnet3', network: 'VM Network' },
      { mac: '00:50:56:00:00:07', model: 'e1000e' },
    ]);
  });
});

describe('openSource with disk files', () => {
  it('takes all disks of one VM together', async () => {
    const qcow2 = await convertImage(raw2, join(dir, 'data.qcow2'), 'qcow2');
    const vm = (await openSource([join(dir, 'web01-disk1.vmdk'), qcow2])).vm;
    expect(vm).toMatchObject({ origin: 'disks', name: 'web01-disk1', nics: [] });
    expect(vm.disks.map((disk) => [disk.format, disk.virtualSize])).toEqual([
      ['vmdk', IMAGE_SIZE],
      ['qcow2', IMAGE_SIZE],
    ]);
    expect(qemuFilename(vm.disks[1]!)).toBe(qcow2);
  });

  it('refuses a disk given twice, a descriptor mixed with disks, and nothing at all', async () => {
    const disk = join(dir, 'web01-disk1.vmdk');
    await expect(openSource([disk, disk])).rejects.toBeInstanceOf(UsageError);
    await expect(openSource([join(dir, 'web01.ovf'), disk])).rejects.toBeInstanceOf(UsageError);
    await expect(openSource([])).rejects.toBeInstanceOf(UsageError);
  });

  it('detects a disk whose name lies about its format', async () => {
    const renamed = join(dir, 'really-qcow2.img');
    await rename(await convertImage(raw1, join(dir, 'renamed.qcow2'), 'qcow2'), renamed);
    expect((await openSource([renamed])).vm.disks[0]?.format).toBe('qcow2');
  });
});
