// Windows 10 Pro 22H2 (10.0.19045) x64 on VMware with BIOS, shut down with
// fast startup on: hiberfil.sys holds a hibernation image (HIBR signature)
// and HiberbootEnabled=1. Migrating it must be refused: the volume is in use
// by a hibernated kernel. MBR with a System Reserved partition (\bootmgr,
// \Boot\BCD) and the NTFS system volume; DriverDatabase; VMware Tools.
import { bcdHive, softwareHive, systemHive, systemVolumeFiles } from './_shared/windows.mjs';

const DISK_SIGNATURE = 0x3b9d1f27;
const reservedVolume = { mbrSignature: DISK_SIGNATURE, offset: 1024 * 1024 };
const systemVolume = { mbrSignature: DISK_SIGNATURE, offset: 51 * 1024 * 1024 };
const system = systemVolumeFiles({ modern: true });

/** The first page of a hibernation file: signature, then zeros (the rest is sparse). */
const HIBERFIL = { size: 4 * 1024 * 1024, head: Buffer.from('HIBR', 'latin1') };

export default {
  name: 'windows-10-hibernated',
  kind: 'windows',
  description: 'Windows 10 Pro 22H2 on VMware: BIOS/MBR (System Reserved + NTFS), hibernated by fast startup (hiberfil.sys HIBR, HiberbootEnabled=1)',
  firmware: 'bios',
  disk: { sizeMiB: 128, table: 'mbr', id: `0x${DISK_SIGNATURE.toString(16)}`, bootCode: 'windows' },
  partitions: [
    { sizeMiB: 50, type: 'basic-data', bootable: true, volume: 'reserved', fs: { type: 'ntfs', label: 'System Reserved', serial: '1E3C5A7B9D0F2E4A' } },
    { type: 'basic-data', volume: 'system', fs: { type: 'ntfs', serial: '9A7C5E3B1D0F8E6C' } },
  ],
  volumes: {
    reserved: {
      files: { '/bootmgr': { pe: { subsystem: 'native' } } },
      hives: {
        '/Boot/BCD': bcdHive({ loaderGuid: '{5c8f2a1e-7b3d-11ed-8e4f-000c29c4d5e6}', description: 'Windows 10', uefi: false, systemVolume, bootVolume: reservedVolume }),
      },
    },
    system: {
      dirs: system.dirs,
      files: { ...system.files, '/hiberfil.sys': HIBERFIL, '/pagefile.sys': { size: 1024 * 1024 } },
      hives: {
        '/Windows/System32/config/SYSTEM': systemHive({
          computerName: 'WIN10-DESK07', modern: true, controlSets: [1], current: 1, hiberbootEnabled: 1, hibernateEnabled: 1,
          systemVolume,
          tcpip: { interface: '{5A7C9E1B-3D5F-4A6B-8C0D-2E4F6A8B0C2D}', ip: '172.16.5.77', mask: '255.255.0.0', gateway: '172.16.0.1', dns: ['172.16.0.53'] },
        }),
        '/Windows/System32/config/SOFTWARE': softwareHive({
          product: 'Windows 10 Pro', edition: 'Professional', installationType: 'Client',
          currentVersion: '6.3', major: 10, minor: 0, build: '19045', ubr: 3803, displayVersion: '22H2',
          vmwareTools: { version: '12.1.5.20735119', productCode: '{7B4E2A19-5C3D-4F8E-A1B2-C3D4E5F6A7B8}' },
        }),
      },
    },
  },
  vm: {
    vcpus: 2,
    memoryMiB: 4096,
    scsi: 'lsilogicsas',
    secureBoot: false,
    guestOS: 'windows9-64',
    ovfOs: { id: 1, vmw: 'windows9_64Guest' },
    nics: [{ type: 'e1000e', mac: '00:50:56:9a:10:77', network: 'VM Network', addressType: 'static' }],
  },
  export: ['vmdk'],
  expect: {
    os: 'windows', distro: 'windows', product: 'Windows 10 Pro', major: 10, minor: 0, arch: 'x86_64',
    hostname: 'WIN10-DESK07', mountpoints: { '/': '/dev/sda2' },
    applications: ['{7B4E2A19-5C3D-4F8E-A1B2-C3D4E5F6A7B8}'],
  },
};
