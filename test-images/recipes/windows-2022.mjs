// Windows Server 2022 Standard (21H2, build 20348) as installed on VMware
// ESXi with UEFI: GPT with an ESP (FAT32, a real BCD store), an MSR and the
// NTFS system volume. SYSTEM has two control sets and a DriverDatabase (no
// CriticalDeviceDatabase), VMware Tools with pvscsi/vmxnet3/vmci services, a
// static IPv4 configuration; no hiberfil.sys, fast startup off.
// Binaries are PLACEHOLDERS (PE headers only); the hives are real.
import { bcdHive, softwareHive, systemHive, systemVolumeFiles } from './_shared/windows.mjs';

const DISK_GUID = '4A3B2C1D-5E6F-4708-9A1B-2C3D4E5F6071';
const ESP_GUID = '6B5A4938-2716-4F5E-8D7C-6B5A49382716';
const MSR_GUID = '7C6B5A49-3827-4E6F-9E8D-7C6B5A493827';
const SYSTEM_GUID = '8D7C6B5A-4938-4F7E-AF9E-8D7C6B5A4938';
const LOADER_GUID = '{3f1c2b4a-8d9e-11ee-9a1b-000c29a1b2c3}';
const systemVolume = { gptPartition: SYSTEM_GUID, gptDisk: DISK_GUID };
const espVolume = { gptPartition: ESP_GUID, gptDisk: DISK_GUID };
const system = systemVolumeFiles({ modern: true });

export default {
  name: 'windows-2022',
  kind: 'windows',
  description: 'Windows Server 2022 Standard on VMware: UEFI/GPT (ESP + MSR + NTFS), DriverDatabase, VMware Tools, static IP',
  firmware: 'efi',
  disk: { sizeMiB: 200, table: 'gpt', id: DISK_GUID },
  partitions: [
    { sizeMiB: 100, type: 'esp', name: 'EFI system partition', uuid: ESP_GUID, volume: 'esp', fs: { type: 'vfat', volumeId: 'A2C4-6E80' } },
    { sizeMiB: 16, type: 'msr', name: 'Microsoft reserved partition', uuid: MSR_GUID },
    { type: 'basic-data', name: 'Basic data partition', uuid: SYSTEM_GUID, volume: 'system', fs: { type: 'ntfs', serial: '2C6E4A1F8B3D5C7E' } },
  ],
  volumes: {
    esp: {
      files: {
        '/EFI/Microsoft/Boot/bootmgfw.efi': { pe: { subsystem: 'efi' } },
        '/EFI/Microsoft/Boot/bootmgr.efi': { pe: { subsystem: 'efi' } },
        '/EFI/Boot/bootx64.efi': { pe: { subsystem: 'efi' } },
      },
      hives: {
        '/EFI/Microsoft/Boot/BCD': bcdHive({ loaderGuid: LOADER_GUID, description: 'Windows Server', uefi: true, systemVolume, bootVolume: espVolume }),
      },
    },
    system: {
      dirs: system.dirs,
      files: system.files,
      hives: {
        '/Windows/System32/config/SYSTEM': systemHive({
          computerName: 'WIN2022-APP01', domain: 'corp.example.com', modern: true, controlSets: [1, 2], current: 1,
          hiberbootEnabled: 0, systemVolume,
          tcpip: { interface: '{3E1A5C7B-9D2F-4E6A-8B0C-1D3F5A7B9C2E}', ip: '10.20.30.41', mask: '255.255.255.0', gateway: '10.20.30.1', dns: ['10.20.30.10', '10.20.30.11'] },
        }),
        '/Windows/System32/config/SOFTWARE': softwareHive({
          product: 'Windows Server 2022 Standard', edition: 'ServerStandard', installationType: 'Server',
          currentVersion: '6.3', major: 10, minor: 0, build: '20348', ubr: 2227, displayVersion: '21H2',
          vmwareTools: { version: '12.3.5.22544099', productCode: '{F32C4E7B-2BF8-4788-8408-824C6896E1BB}' },
        }),
      },
    },
  },
  vm: {
    vcpus: 2,
    memoryMiB: 4096,
    scsi: 'lsilogicsas',
    secureBoot: false,
    guestOS: 'windows2019srvnext-64',
    ovfOs: { id: 1, vmw: 'windows2019srvNext_64Guest' },
    nics: [{ type: 'vmxnet3', mac: '00:50:56:9a:41:22', network: 'VM Network', addressType: 'static' }],
  },
  export: ['vmdk'],
  expect: {
    os: 'windows', distro: 'windows', product: 'Windows Server 2022 Standard', major: 10, minor: 0, arch: 'x86_64',
    hostname: 'WIN2022-APP01', mountpoints: { '/': '/dev/sda3' },
    applications: ['{F32C4E7B-2BF8-4788-8408-824C6896E1BB}'],
  },
};
