/**
 * Hive contents of the phony Windows guests, as plain data copied from
 * test-images/recipes/_shared/windows.mjs (windows-2022 and windows-7): the
 * keys this plugin reads or touches, plus neighbours it must leave alone.
 */
import { fileURLToPath } from 'node:url';
import type { MemoryHives, MemoryRegistryEntry } from '@hyper2kvm/plugin-kit';
import type { RegistryValue } from '@hyper2kvm/core';

const sz = (data: string): RegistryValue => ({ type: 'REG_SZ', data });
const expandSz = (data: string): RegistryValue => ({ type: 'REG_EXPAND_SZ', data });
const dword = (data: number): RegistryValue => ({ type: 'REG_DWORD', data });
const multiSz = (...data: string[]): RegistryValue => ({ type: 'REG_MULTI_SZ', data });
const binary = (data: number[]): RegistryValue => ({ type: 'REG_BINARY', data: Uint8Array.from(data) });

export const SCSI_ADAPTER = '{4D36E97B-E325-11CE-BFC1-08002BE10318}';

function driver(name: string, start: number, group: string): MemoryRegistryEntry['values'] {
  return {
    Type: dword(1),
    Start: dword(start),
    ErrorControl: dword(start === 0 ? 3 : 1),
    ImagePath: expandSz(`System32\\drivers\\${name.toLowerCase()}.sys`),
    Group: sz(group),
  };
}

function controlSet(n: number, modern: boolean): MemoryRegistryEntry[] {
  const cs = `ControlSet00${n}`;
  const entries: MemoryRegistryEntry[] = [
    { key: `${cs}\\Control\\CrashControl`, values: { AutoReboot: dword(1) } },
    { key: `${cs}\\Control\\Session Manager\\Power`, values: { HibernateEnabled: dword(0), ...(modern ? { HiberbootEnabled: dword(0) } : {}) } },
    { key: `${cs}\\Control\\Class\\${SCSI_ADAPTER}`, values: { '': sz('Storage controllers'), Class: sz('SCSIAdapter') } },
    { key: `${cs}\\Services\\LSI_SAS`, values: driver('LSI_SAS', 0, 'SCSI miniport') },
    { key: `${cs}\\Services\\pvscsi`, values: driver('pvscsi', 0, 'SCSI miniport') },
    { key: `${cs}\\Services\\disk`, values: driver('disk', 0, 'SCSI Class') },
  ];
  if (!modern) {
    const cdd = `${cs}\\Control\\CriticalDeviceDatabase`;
    entries.push(
      { key: `${cdd}\\pci#ven_15ad&dev_07c0`, values: { Service: sz('pvscsi'), ClassGUID: sz(SCSI_ADAPTER) } },
      { key: `${cdd}\\pci#ven_1000&dev_0054`, values: { Service: sz('LSI_SAS'), ClassGUID: sz(SCSI_ADAPTER) } },
    );
  }
  return entries;
}

function software(o: {
  product: string;
  edition: string;
  installationType: string;
  currentVersion: string;
  build: string;
  major?: number;
}): MemoryRegistryEntry[] {
  return [
    {
      key: 'Microsoft\\Windows NT\\CurrentVersion',
      values: {
        ProductName: sz(o.product),
        EditionID: sz(o.edition),
        InstallationType: sz(o.installationType),
        CurrentVersion: sz(o.currentVersion),
        CurrentBuild: sz(o.build),
        CurrentBuildNumber: sz(o.build),
        SystemRoot: sz('C:\\Windows'),
        ...(o.major !== undefined ? { CurrentMajorVersionNumber: dword(o.major), CurrentMinorVersionNumber: dword(0) } : {}),
      },
    },
    { key: 'Microsoft\\Windows\\CurrentVersion', values: { DevicePath: expandSz('%SystemRoot%\\inf'), ProgramFilesDir: sz('C:\\Program Files') } },
  ];
}

/** windows-2022: Server 2022 (10.0.20348), two control sets, DriverDatabase; a StartOverride on viostor in ControlSet002. */
export function windows2022Hives(): MemoryHives {
  return {
    SYSTEM: [
      { key: 'Select', values: { Current: dword(1), Default: dword(1), Failed: dword(0), LastKnownGood: dword(2) } },
      ...controlSet(1, true),
      ...controlSet(2, true),
      { key: 'ControlSet002\\Services\\viostor\\StartOverride', values: { '0': dword(4) } },
      { key: 'DriverDatabase', values: { Architecture: sz('amd64'), Version: dword(0x000a0000) } },
      { key: 'DriverDatabase\\DeviceIds\\PCI\\VEN_15AD&DEV_07C0', values: { 'pvscsii.inf': binary([0x01, 0xff, 0x00, 0x00]) } },
      {
        key: 'DriverDatabase\\DriverInfFiles\\pvscsii.inf',
        values: { '': multiSz('pvscsii.inf_amd64_7b6a2e8c1f0d4a3b'), Active: sz('pvscsii.inf_amd64_7b6a2e8c1f0d4a3b') },
      },
    ],
    SOFTWARE: software({
      product: 'Windows Server 2022 Standard',
      edition: 'ServerStandard',
      installationType: 'Server',
      currentVersion: '6.3',
      build: '20348',
      major: 10,
    }),
  };
}

/** windows-7: Windows 7 Professional SP1 (6.1.7601), two control sets, CriticalDeviceDatabase. */
export function windows7Hives(): MemoryHives {
  return {
    SYSTEM: [
      { key: 'Select', values: { Current: dword(1), Default: dword(1), Failed: dword(0), LastKnownGood: dword(2) } },
      ...controlSet(1, false),
      ...controlSet(2, false),
    ],
    SOFTWARE: software({ product: 'Windows 7 Professional', edition: 'Professional', installationType: 'Client', currentVersion: '6.1', build: '7601' }),
  };
}

/** The system volume's files the plugin looks at (real casing of the phony images). */
export const WINDOWS_TREE = {
  'Windows/System32/cmd.exe': 'MZ',
  'Windows/System32/drivers/disk.sys': 'MZ',
  'Windows/System32/config/SYSTEM': 'regf',
  'Windows/inf/placeholder.inf': '',
};

interface VirtioWinImage {
  dir: string;
  files: { iso: string; tree?: string };
}

/** The fake virtio-win ISO and tree of test-images (built once, cached). */
export async function virtioWinImage(): Promise<{ iso: string; tree: string }> {
  const builder = (await import(fileURLToPath(new URL('../../../test-images/build.mjs', import.meta.url)))) as {
    ensureImage(name: string, options?: { log?: (line: string) => void }): Promise<VirtioWinImage>;
  };
  const image = await builder.ensureImage('virtio-win', { log: () => undefined });
  if (!image.files.tree) throw new Error('virtio-win image without its tree');
  return { iso: image.files.iso, tree: image.files.tree };
}
