/**
 * The registry edits that make Windows load the boot storage driver on a
 * virtio controller (shared/reference/windows-virtio.md): the service in
 * every control set, the PCI ID binding through CriticalDeviceDatabase
 * (before Windows 8) or DriverDatabase (Windows 8 and later), DevicePath.
 */
import { createHash } from 'node:crypto';
import type { PlanApi, RegistryValue } from '@hyper2kvm/core';

export type StorageDriver = 'viostor' | 'vioscsi';

export const SCSI_ADAPTER_CLASS = '{4D36E97B-E325-11CE-BFC1-08002BE10318}';

/** Transitional and modern PCI IDs (without the `PCI\` prefix) of each boot storage driver. */
export const STORAGE_PCI_IDS: Record<StorageDriver, [string, string]> = {
  viostor: ['VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00', 'VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01'],
  vioscsi: ['VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00', 'VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01'],
};

const sz = (data: string): RegistryValue => ({ type: 'REG_SZ', data });
const dword = (data: number): RegistryValue => ({ type: 'REG_DWORD', data });
const binary = (bytes: number[] | Buffer): RegistryValue => ({ type: 'REG_BINARY', data: Uint8Array.from(bytes) });

/** A GUID's 16 bytes in Windows binary order (first three fields little-endian). */
export function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`bad GUID ${guid}`);
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

/** `DriverPackages\<L>` `Version`: `00 ff 09 00 00 00 00 00`, the class GUID, 24 zero bytes. */
export function driverPackageVersion(classGuid: string): Buffer {
  return Buffer.concat([Buffer.from([0x00, 0xff, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00]), guidBytes(classGuid), Buffer.alloc(24)]);
}

/**
 * The driver store name of a package, `<inf>.inf_<arch>_<16 hex>`: the hex
 * digits are derived from the INF content, so the same package gets the same
 * name (never a temporary-looking one).
 */
export function driverStoreName(inf: string, arch: string, infContent: Buffer): string {
  const archTag = arch === 'x86' ? 'x86' : arch === 'ARM64' ? 'arm64' : 'amd64';
  return `${inf}.inf_${archTag}_${createHash('sha256').update(infContent).digest('hex').slice(0, 16)}`;
}

/** The INF install section a PCI ID maps to (`%desc% = section, PCI\ID`); `<drv>_inst` when not found. */
export function installSection(infText: string, driver: string, id: string): string {
  const wanted = `pci\\${id}`.toLowerCase();
  for (const line of infText.split(/\r?\n/)) {
    const match = /^\s*%[^%]+%\s*=\s*([^,;\s]+)\s*,\s*([^;]+?)\s*(;.*)?$/.exec(line);
    if (match && match[2]!.split(',').some((part) => part.trim().toLowerCase() === wanted)) return match[1]!;
  }
  return `${driver}_inst`;
}

/** Writes the boot-start service values in every control set and removes `StartOverride`. */
export async function planService(p: PlanApi, controlSets: string[], driver: StorageDriver): Promise<void> {
  for (const set of controlSets) {
    const key = `${set}\\Services\\${driver}`;
    const reason = `load ${driver} at boot (${set})`;
    p.registrySet('SYSTEM', key, 'Type', dword(1), reason);
    p.registrySet('SYSTEM', key, 'Start', dword(0), reason);
    p.registrySet('SYSTEM', key, 'ErrorControl', dword(1), reason);
    p.registrySet('SYSTEM', key, 'Group', sz('SCSI miniport'), reason);
    p.registrySet('SYSTEM', key, 'ImagePath', { type: 'REG_EXPAND_SZ', data: `system32\\drivers\\${driver}.sys` }, reason);
    if ((await p.guest.registrySubkeys('SYSTEM', `${key}\\StartOverride`)) !== null) {
      p.registryDeleteKey('SYSTEM', `${key}\\StartOverride`, `StartOverride could keep ${driver} from loading (${set})`);
    }
  }
}

/** Before Windows 8: `<ControlSet>\Control\CriticalDeviceDatabase\PCI#<ID>` → service and class, for both IDs. */
export function planCriticalDeviceDatabase(p: PlanApi, controlSets: string[], driver: StorageDriver): void {
  for (const set of controlSets) {
    for (const id of STORAGE_PCI_IDS[driver]) {
      const key = `${set}\\Control\\CriticalDeviceDatabase\\PCI#${id}`;
      p.registrySet('SYSTEM', key, 'Service', sz(driver), `bind ${id} to ${driver} at boot (${set})`);
      p.registrySet('SYSTEM', key, 'ClassGUID', sz(SCSI_ADAPTER_CLASS), `bind ${id} to ${driver} at boot (${set})`);
    }
  }
}

/** Windows 8 and later: the driver package and both PCI IDs in SYSTEM `DriverDatabase`. */
export async function planDriverDatabase(p: PlanApi, driver: StorageDriver, storeName: string, configuration: string): Promise<void> {
  const inf = `${driver}.inf`;
  const reason = `register ${driver} for its PCI IDs in the driver database`;
  const infKey = `DriverDatabase\\DriverInfFiles\\${inf}`;
  const existing = await p.guest.registryValue('SYSTEM', infKey, '');
  const packages = existing?.type === 'REG_MULTI_SZ' ? existing.data : [];
  p.registrySet(
    'SYSTEM',
    infKey,
    '',
    { type: 'REG_MULTI_SZ', data: packages.some((name) => name.toLowerCase() === storeName.toLowerCase()) ? packages : [...packages, storeName] },
    reason,
  );
  p.registrySet('SYSTEM', infKey, 'Active', sz(storeName), reason);
  p.registrySet('SYSTEM', infKey, 'Configurations', { type: 'REG_MULTI_SZ', data: [configuration] }, reason);
  const packageKey = `DriverDatabase\\DriverPackages\\${storeName}`;
  p.registrySet('SYSTEM', packageKey, 'Version', binary(driverPackageVersion(SCSI_ADAPTER_CLASS)), reason);
  p.registrySet('SYSTEM', `${packageKey}\\Configurations\\${configuration}`, 'ConfigFlags', dword(0), reason);
  p.registrySet('SYSTEM', `${packageKey}\\Configurations\\${configuration}`, 'Service', sz(driver), reason);
  for (const id of STORAGE_PCI_IDS[driver]) {
    p.registrySet('SYSTEM', `DriverDatabase\\DeviceIds\\PCI\\${id}`, inf, binary([0x01, 0xff, 0x00, 0x00]), reason);
    p.registrySet('SYSTEM', `${packageKey}\\Descriptors\\PCI\\${id}`, 'Configuration', sz(configuration), reason);
  }
}

const CURRENT_VERSION = 'Microsoft\\Windows\\CurrentVersion';

/** Appends `folder` to SOFTWARE `DevicePath` (REG_EXPAND_SZ, `;`-separated) once. */
export async function planDevicePath(p: PlanApi, folder: string): Promise<void> {
  const current = await p.guest.registryValue('SOFTWARE', CURRENT_VERSION, 'DevicePath');
  const text = current && (current.type === 'REG_SZ' || current.type === 'REG_EXPAND_SZ') ? current.data : '%SystemRoot%\\inf';
  const parts = text.split(';').filter((part) => part !== '');
  if (parts.some((part) => part.toLowerCase() === folder.toLowerCase())) return;
  p.registrySet(
    'SOFTWARE',
    CURRENT_VERSION,
    'DevicePath',
    { type: 'REG_EXPAND_SZ', data: [...parts, folder].join(';') },
    'let Plug and Play find the staged virtio drivers',
  );
}
