// Windows 7 Professional SP1 (6.1.7601) x64 as installed on VMware
// Workstation/ESXi with BIOS: MBR with one NTFS partition holding both the
// boot files (\bootmgr, \Boot\BCD) and \Windows. SYSTEM binds boot storage
// through CriticalDeviceDatabase (no DriverDatabase); VMware Tools installed;
// a static IPv4 configuration. No CurrentMajorVersionNumber: only
// CurrentVersion "6.1". Binaries are PLACEHOLDERS; the hives are real.
import { bcdHive, softwareHive, systemHive, systemVolumeFiles } from './_shared/windows.mjs';

const DISK_SIGNATURE = 0x5e1d7c3a;
const systemVolume = { mbrSignature: DISK_SIGNATURE, offset: 1024 * 1024 };
const system = systemVolumeFiles({ modern: false });

export default {
  name: 'windows-7',
  kind: 'windows',
  description: 'Windows 7 Professional SP1 x64 on VMware: BIOS/MBR, one NTFS partition, CriticalDeviceDatabase, VMware Tools, static IP',
  firmware: 'bios',
  disk: { sizeMiB: 96, table: 'mbr', id: `0x${DISK_SIGNATURE.toString(16)}`, bootCode: 'windows' },
  partitions: [
    { type: 'basic-data', bootable: true, volume: 'system', fs: { type: 'ntfs', serial: '6A1E3C5B7D9F0A2C' } },
  ],
  volumes: {
    system: {
      dirs: system.dirs,
      files: { ...system.files, '/bootmgr': { pe: { subsystem: 'native' } } },
      hives: {
        '/Boot/BCD': bcdHive({ loaderGuid: '{b2721d73-1db4-11e0-a2c5-000c29d3f2a1}', description: 'Windows 7', uefi: false, systemVolume, bootVolume: systemVolume }),
        '/Windows/System32/config/SYSTEM': systemHive({
          computerName: 'WIN7-PC', modern: false, controlSets: [1, 2], current: 1, systemVolume,
          tcpip: { interface: '{8C2F4A6E-1B3D-4F5A-9C7E-2D4F6A8B0C1E}', ip: '192.168.10.57', mask: '255.255.255.0', gateway: '192.168.10.1', dns: ['192.168.10.2'] },
        }),
        '/Windows/System32/config/SOFTWARE': softwareHive({
          product: 'Windows 7 Professional', edition: 'Professional', installationType: 'Client',
          currentVersion: '6.1', build: '7601', csdVersion: 'Service Pack 1',
          vmwareTools: { version: '10.3.10.12406962', productCode: '{2C1A5B6D-8E3F-4A7C-9D0B-1E2F3A4B5C6D}' },
        }),
      },
    },
  },
  vm: {
    vcpus: 1,
    memoryMiB: 2048,
    scsi: 'lsilogicsas',
    secureBoot: false,
    guestOS: 'windows7-64',
    ovfOs: { id: 105, vmw: 'windows7_64Guest' },
    nics: [{ type: 'vmxnet3', mac: '00:50:56:9a:07:61', network: 'VM Network', addressType: 'static' }],
  },
  export: ['vmdk'],
  expect: {
    os: 'windows', distro: 'windows', product: 'Windows 7 Professional', major: 6, minor: 1, arch: 'x86_64',
    hostname: 'WIN7-PC', mountpoints: { '/': '/dev/sda1' },
    applications: ['{2C1A5B6D-8E3F-4A7C-9D0B-1E2F3A4B5C6D}'],
  },
};
