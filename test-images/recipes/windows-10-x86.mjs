// Windows 10 Pro 22H2 (10.0.19045) x86 (32-bit) on VMware with BIOS, shut
// down cleanly (no hibernation, fast startup off). MBR with a System
// Reserved partition (\bootmgr, \Boot\BCD) and the NTFS system volume;
// DriverDatabase (Architecture x86, `_x86_` driver store names); VMware Tools.
// The trap: every binary is a PE32 (machine 0x14c), so libguestfs reports
// arch i386 and the virtio drivers must come from the x86 directories.
// No "Program Files (x86)". Binaries are PLACEHOLDERS; the hives are real.
import { bcdHive, softwareHive, systemHive, systemVolumeFiles } from './_shared/windows.mjs';

const ARCH = 'i386';
const DISK_SIGNATURE = 0x4c2e8a16;
const reservedVolume = { mbrSignature: DISK_SIGNATURE, offset: 1024 * 1024 };
const systemVolume = { mbrSignature: DISK_SIGNATURE, offset: 51 * 1024 * 1024 };
const system = systemVolumeFiles({ arch: ARCH, modern: true });

export default {
  name: 'windows-10-x86',
  kind: 'windows',
  description: 'Windows 10 Pro 22H2 x86 (32-bit) on VMware: BIOS/MBR (System Reserved + NTFS), DriverDatabase, VMware Tools, static IP, not hibernated',
  firmware: 'bios',
  disk: { sizeMiB: 128, table: 'mbr', id: `0x${DISK_SIGNATURE.toString(16)}`, bootCode: 'windows' },
  partitions: [
    { sizeMiB: 50, type: 'basic-data', bootable: true, volume: 'reserved', fs: { type: 'ntfs', label: 'System Reserved', serial: '3D5F7A9C1E2B4D6F' } },
    { type: 'basic-data', volume: 'system', fs: { type: 'ntfs', serial: '5B7D9F1A3C5E7A9B' } },
  ],
  volumes: {
    reserved: {
      files: { '/bootmgr': { pe: { arch: ARCH, subsystem: 'native' } } },
      hives: {
        '/Boot/BCD': bcdHive({ loaderGuid: '{8a3e5c71-2f4d-11ee-9c6b-000c29e4f5a6}', description: 'Windows 10', uefi: false, systemVolume, bootVolume: reservedVolume }),
      },
    },
    system: {
      dirs: system.dirs,
      files: { ...system.files, '/pagefile.sys': { size: 1024 * 1024 } },
      hives: {
        '/Windows/System32/config/SYSTEM': systemHive({
          computerName: 'WIN10-X86-LAB3', modern: true, arch: ARCH, controlSets: [1, 2], current: 1, hiberbootEnabled: 0,
          systemVolume,
          tcpip: { interface: '{2B4D6F8A-1C3E-4A5B-9D7F-0E2C4A6B8D1F}', ip: '192.168.40.23', mask: '255.255.255.0', gateway: '192.168.40.1', dns: ['192.168.40.2'] },
        }),
        '/Windows/System32/config/SOFTWARE': softwareHive({
          product: 'Windows 10 Pro', edition: 'Professional', installationType: 'Client',
          currentVersion: '6.3', major: 10, minor: 0, build: '19045', ubr: 3803, displayVersion: '22H2',
          vmwareTools: { version: '12.1.5.20735119', productCode: '{4E6A8C2B-1D3F-4B5A-9E7C-6D8F0A2B4C6E}' },
        }),
      },
    },
  },
  vm: {
    vcpus: 1,
    memoryMiB: 2048,
    scsi: 'lsilogicsas',
    secureBoot: false,
    guestOS: 'windows9',
    ovfOs: { id: 1, vmw: 'windows9Guest' },
    nics: [{ type: 'e1000e', mac: '00:50:56:9a:10:23', network: 'VM Network', addressType: 'static' }],
  },
  export: ['vmdk'],
  expect: {
    os: 'windows', distro: 'windows', product: 'Windows 10 Pro', major: 10, minor: 0, arch: 'i386',
    hostname: 'WIN10-X86-LAB3', mountpoints: { '/': '/dev/sda2' },
    applications: ['{4E6A8C2B-1D3F-4B5A-9E7C-6D8F0A2B4C6E}'],
  },
};
