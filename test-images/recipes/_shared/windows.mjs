// Building blocks of the phony Windows guests: registry hive contents
// (SYSTEM, SOFTWARE, BCD) and the system volume's placeholder files, shaped
// as a Windows VM installed on VMware with VMware Tools has them.

export const sz = (data) => ({ type: 'REG_SZ', data });
export const expandSz = (data) => ({ type: 'REG_EXPAND_SZ', data });
export const multiSz = (...data) => ({ type: 'REG_MULTI_SZ', data });
export const dword = (data) => ({ type: 'REG_DWORD', data });
export const binary = (data) => ({ type: 'REG_BINARY', data: Buffer.from(data) });

/** A GUID's 16 bytes as Windows stores them (first three fields little-endian). */
export function guidBytes(guid) {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`bad GUID ${guid}`);
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}

/**
 * MountedDevices value of a volume: `DMIO:ID:` + partition GUID on GPT,
 * MBR disk signature + partition byte offset on MBR (what libguestfs maps to
 * drive letters).
 */
export function mountedDeviceBlob(target) {
  if (target.gptPartition) return Buffer.concat([Buffer.from('DMIO:ID:', 'latin1'), guidBytes(target.gptPartition)]);
  const blob = Buffer.alloc(12);
  blob.writeUInt32LE(target.mbrSignature, 0);
  blob.writeBigUInt64LE(BigInt(target.offset), 4);
  return blob;
}

const SCSI_ADAPTER_CLASS = '{4D36E97B-E325-11CE-BFC1-08002BE10318}';
const NET_CLASS = '{4D36E972-E325-11CE-BFC1-08002BE10318}';
const SYSTEM_CLASS = '{4D36E97D-E325-11CE-BFC1-08002BE10318}';

/** A kernel driver service (Type 1). */
function driver(name, start, group, extra = {}) {
  return { name, values: { Type: dword(1), Start: dword(start), ErrorControl: dword(start === 0 ? 3 : 1), ImagePath: expandSz(`System32\\drivers\\${name.toLowerCase()}.sys`), Group: sz(group), ...extra } };
}

/** Services of the storage and VMware stack, by Windows generation. */
export function services({ modern }) {
  const storage = modern
    ? [driver('storahci', 0, 'SCSI Miniport'), driver('stornvme', 3, 'SCSI Miniport')]
    : [driver('msahci', 3, 'SCSI miniport'), driver('intelide', 0, 'System Bus Extender'), driver('atapi', 0, 'SCSI miniport')];
  return [
    ...storage,
    driver('LSI_SAS', 0, 'SCSI miniport', { Tag: dword(0x22) }),
    driver('disk', 0, 'SCSI Class'),
    driver('partmgr', 0, 'Boot Bus Extender'),
    driver('volmgr', 0, 'System Bus Extender'),
    driver('pvscsi', 0, 'SCSI miniport', { DisplayName: sz('pvscsi Storage Controller Driver') }),
    driver('vmci', 0, 'System Bus Extender', { DisplayName: sz('VMware VMCI Bus Driver') }),
    driver('vmhgfs', 1, 'Network', { DisplayName: sz('VMware Host Guest File System') }),
    driver('vmxnet3ndis6', 3, 'NDIS', { DisplayName: sz('vmxnet3 NDIS 6 Ethernet Adapter Driver') }),
    driver('vm3dmp', 3, 'Video', { DisplayName: sz('vm3dmp') }),
    {
      name: 'VMTools',
      values: {
        Type: dword(0x10), Start: dword(2), ErrorControl: dword(1), DisplayName: sz('VMware Tools'),
        ImagePath: expandSz('"C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe"'), ObjectName: sz('LocalSystem'),
        Description: sz('Provides support for synchronizing objects between the host and guest operating systems.'),
      },
    },
    {
      name: 'Tcpip',
      values: { Type: dword(1), Start: dword(0), ErrorControl: dword(1), ImagePath: expandSz('System32\\drivers\\tcpip.sys'), Group: sz('PNP_TDI') },
    },
  ];
}

/** DriverDatabase's architecture name (and driver store name tag) per architecture libguestfs reports. */
const DRIVER_STORE_ARCH = { x86_64: 'amd64', i386: 'x86' };

/**
 * SYSTEM hive entries.
 * @param {{ computerName: string, domain?: string, modern: boolean, arch?: 'x86_64'|'i386', controlSets?: number[], current?: number,
 *   hiberbootEnabled?: number, tcpip: { interface: string, ip: string, mask: string, gateway: string, dns: string[] },
 *   systemVolume: object }} o
 */
export function systemHive(o) {
  const storeArch = DRIVER_STORE_ARCH[o.arch ?? 'x86_64'];
  if (!storeArch) throw new Error(`systemHive: unsupported arch ${o.arch}`);
  const sets = o.controlSets ?? [1, 2];
  const current = o.current ?? 1;
  const entries = [
    { key: 'Select', values: { Current: dword(current), Default: dword(current), Failed: dword(0), LastKnownGood: dword(sets.find((n) => n !== current) ?? current) } },
    { key: 'MountedDevices', values: { '\\DosDevices\\C:': binary(mountedDeviceBlob(o.systemVolume)) } },
    { key: 'Setup', values: { SystemSetupInProgress: dword(0), SetupType: dword(0), OOBEInProgress: dword(0) } },
  ];
  for (const n of sets) {
    const cs = `ControlSet${String(n).padStart(3, '0')}`;
    entries.push(
      { key: `${cs}\\Control`, values: { SystemBootDevice: sz(o.modern ? 'multi(0)disk(0)rdisk(0)partition(3)' : 'multi(0)disk(0)rdisk(0)partition(1)'), SystemStartOptions: sz(o.modern ? ' NOEXECUTE=OPTOUT  NOVGA' : ' NOEXECUTE=OPTIN') } },
      { key: `${cs}\\Control\\ComputerName\\ComputerName`, values: { ComputerName: sz(o.computerName.toUpperCase()) } },
      { key: `${cs}\\Control\\CrashControl`, values: { AutoReboot: dword(1), CrashDumpEnabled: dword(o.modern ? 7 : 2) } },
      { key: `${cs}\\Control\\Session Manager`, values: { BootExecute: multiSz('autocheck autochk *') } },
      { key: `${cs}\\Control\\Session Manager\\Power`, values: { ...(o.hiberbootEnabled === undefined ? {} : { HiberbootEnabled: dword(o.hiberbootEnabled) }), HibernateEnabled: dword(o.hibernateEnabled ?? 0) } },
      { key: `${cs}\\Control\\Class\\${SCSI_ADAPTER_CLASS}`, values: { '': sz('Storage controllers'), Class: sz('SCSIAdapter') } },
      { key: `${cs}\\Control\\Class\\${NET_CLASS}`, values: { '': sz('Network adapters'), Class: sz('Net') } },
      { key: `${cs}\\Control\\Class\\${SYSTEM_CLASS}`, values: { '': sz('System devices'), Class: sz('System') } },
      { key: `${cs}\\Enum\\PCI\\VEN_15AD&DEV_07C0&SUBSYS_07C015AD&REV_02\\4&1f16fef7&0&00A8`, values: { Service: sz('pvscsi'), ClassGUID: sz(SCSI_ADAPTER_CLASS), Driver: sz(`${SCSI_ADAPTER_CLASS}\\0000`) } },
      { key: `${cs}\\Enum\\PCI\\VEN_15AD&DEV_07B0&SUBSYS_07B015AD&REV_01\\FF565000A07C3D5600`, values: { Service: sz('vmxnet3ndis6'), ClassGUID: sz(NET_CLASS), Driver: sz(`${NET_CLASS}\\0001`) } },
    );
    if (!o.modern) {
      // Before Windows 8, the boot storage controllers are bound here.
      const cdd = `${cs}\\Control\\CriticalDeviceDatabase`;
      entries.push(
        { key: `${cdd}\\pci#ven_15ad&dev_07c0`, values: { Service: sz('pvscsi'), ClassGUID: sz(SCSI_ADAPTER_CLASS) } },
        { key: `${cdd}\\pci#ven_1000&dev_0054`, values: { Service: sz('LSI_SAS'), ClassGUID: sz(SCSI_ADAPTER_CLASS) } },
        { key: `${cdd}\\pci#cc_0106`, values: { Service: sz('msahci'), ClassGUID: sz(SCSI_ADAPTER_CLASS) } },
        { key: `${cdd}\\primary_ide_channel`, values: { Service: sz('atapi'), ClassGUID: sz('{4D36E96A-E325-11CE-BFC1-08002BE10318}') } },
      );
    }
    for (const service of services({ modern: o.modern })) entries.push({ key: `${cs}\\Services\\${service.name}`, values: service.values });
    entries.push(
      { key: `${cs}\\Services\\Tcpip\\Parameters`, values: { Hostname: sz(o.computerName), 'NV Hostname': sz(o.computerName), Domain: sz(o.domain ?? ''), SearchList: sz(o.domain ?? '') } },
      {
        key: `${cs}\\Services\\Tcpip\\Parameters\\Interfaces\\${o.tcpip.interface}`,
        values: {
          EnableDHCP: dword(0), IPAddress: multiSz(o.tcpip.ip), SubnetMask: multiSz(o.tcpip.mask), DefaultGateway: multiSz(o.tcpip.gateway),
          DefaultGatewayMetric: multiSz('0'), NameServer: sz(o.tcpip.dns.join(',')), Domain: sz(o.domain ?? ''), RegisterAdapterName: dword(0),
        },
      },
      { key: `${cs}\\Services\\Tcpip\\Parameters\\Interfaces\\{6F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9}`, values: { EnableDHCP: dword(1) } },
    );
  }
  if (o.modern) {
    // Windows 8 and later: PnP bindings live in the driver database.
    entries.push(
      { key: 'DriverDatabase', values: { Architecture: sz(storeArch), Version: dword(0x000a0000) } },
      { key: 'DriverDatabase\\DeviceIds\\PCI\\VEN_15AD&DEV_07C0', values: { 'pvscsii.inf': binary([0x01, 0xff, 0x00, 0x00]) } },
      { key: 'DriverDatabase\\DeviceIds\\PCI\\VEN_15AD&DEV_07B0', values: { 'vmxnet3.inf': binary([0x01, 0xff, 0x00, 0x00]) } },
      { key: 'DriverDatabase\\DeviceIds\\PCI\\CC_010601', values: { 'mshdc.inf': binary([0x01, 0xff, 0x00, 0x00]) } },
      { key: 'DriverDatabase\\DriverInfFiles\\pvscsii.inf', values: { '': multiSz(`pvscsii.inf_${storeArch}_7b6a2e8c1f0d4a3b`), Active: sz(`pvscsii.inf_${storeArch}_7b6a2e8c1f0d4a3b`) } },
      { key: `DriverDatabase\\DriverPackages\\pvscsii.inf_${storeArch}_7b6a2e8c1f0d4a3b`, values: { Provider: sz('VMware, Inc.'), Version: binary([0, 0xff, 9, 0, 0, 0, 0, 0]) } },
    );
  }
  return { root: 'CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-7CB51D4737F5}', entries };
}

/**
 * SOFTWARE hive entries.
 * @param {{ product: string, edition: string, installationType: 'Client'|'Server', build: string, ubr?: number,
 *   major?: number, minor?: number, currentVersion: string, csdVersion?: string, displayVersion?: string,
 *   vmwareTools: { version: string, productCode: string } }} o
 */
export function softwareHive(o) {
  const nt = 'Microsoft\\Windows NT\\CurrentVersion';
  const uninstall = 'Microsoft\\Windows\\CurrentVersion\\Uninstall';
  const current = {
    ProductName: sz(o.product), EditionID: sz(o.edition), InstallationType: sz(o.installationType),
    CurrentVersion: sz(o.currentVersion), CurrentBuild: sz(o.build), CurrentBuildNumber: sz(o.build),
    CurrentType: sz('Multiprocessor Free'), SystemRoot: sz('C:\\Windows'), PathName: sz('C:\\Windows'),
    RegisteredOwner: sz('Windows User'), RegisteredOrganization: sz(''), SoftwareType: sz('System'),
    InstallDate: dword(1_700_000_000),
  };
  if (o.major !== undefined) Object.assign(current, { CurrentMajorVersionNumber: dword(o.major), CurrentMinorVersionNumber: dword(o.minor ?? 0) });
  if (o.ubr !== undefined) current.UBR = dword(o.ubr);
  if (o.displayVersion) current.DisplayVersion = sz(o.displayVersion);
  if (o.csdVersion) current.CSDVersion = sz(o.csdVersion);
  const tools = o.vmwareTools;
  return {
    root: 'CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}',
    entries: [
      { key: nt, values: current },
      { key: `${nt}\\Winlogon`, values: { Shell: sz('explorer.exe'), Userinit: sz('C:\\Windows\\system32\\userinit.exe,') } },
      { key: 'Microsoft\\Windows\\CurrentVersion', values: { DevicePath: expandSz('%SystemRoot%\\inf'), ProgramFilesDir: sz('C:\\Program Files'), CommonFilesDir: sz('C:\\Program Files\\Common Files') } },
      { key: 'Microsoft\\Windows\\CurrentVersion\\RunOnce' },
      { key: `${uninstall}\\${tools.productCode}`, values: {
        DisplayName: sz('VMware Tools'), DisplayVersion: sz(tools.version), Publisher: sz('VMware, Inc.'),
        InstallLocation: sz('C:\\Program Files\\VMware\\VMware Tools\\'), UninstallString: expandSz(`MsiExec.exe /X${tools.productCode}`),
        ModifyPath: expandSz(`MsiExec.exe /I${tools.productCode}`), WindowsInstaller: dword(1), NoRepair: dword(0),
      } },
      { key: 'VMware, Inc.\\VMware Tools', values: { InstallPath: sz('C:\\Program Files\\VMware\\VMware Tools\\'), ProductVersion: sz(tools.version) } },
      { key: 'VMware, Inc.\\VMware Drivers', values: { 'pvscsi.status': sz('1|1.1.pvscsi') } },
    ],
  };
}

const BOOT_MANAGER = '{9dea862c-5cdd-4e70-acc1-f32b344d4795}';
const BOOT_MANAGER_TYPE = 0x10100002;
const OS_LOADER_TYPE = 0x10200003;

/**
 * A BCD device element for a partition: 16 zero bytes, the device type
 * (6 = partition), then the partition (GPT: unique partition GUID, MBR:
 * byte offset), the table kind (0 = GPT, 1 = MBR) and the disk (GPT: disk
 * GUID, MBR: disk signature). The layout that bcdedit-written stores use.
 */
export function bcdPartitionDevice(target) {
  const device = Buffer.alloc(0x58);
  device.writeUInt32LE(6, 0x10);
  device.writeUInt32LE(0x48, 0x18);
  if (target.gptPartition) {
    guidBytes(target.gptPartition).copy(device, 0x20);
    device.writeUInt32LE(0, 0x38);
    guidBytes(target.gptDisk).copy(device, 0x3c);
  } else {
    device.writeBigUInt64LE(BigInt(target.offset), 0x20);
    device.writeUInt32LE(1, 0x38);
    device.writeUInt32LE(target.mbrSignature, 0x3c);
  }
  return device;
}

/**
 * A BCD store (a registry hive, root "NewStoreRoot"): the boot manager whose
 * default object is one Windows loader booting from the system partition.
 */
export function bcdHive({ loaderGuid, description, uefi, systemVolume, bootVolume }) {
  const objects = 'Objects';
  const element = (object, id, value) => ({ key: `${objects}\\${object}\\Elements\\${id}`, values: { Element: value } });
  const loaderPath = uefi ? '\\Windows\\system32\\winload.efi' : '\\Windows\\system32\\winload.exe';
  return {
    root: 'NewStoreRoot',
    entries: [
      { key: 'Description', values: { KeyName: sz('BCD00000000'), System: dword(1), TreatAsSystem: dword(1) } },
      { key: `${objects}\\${BOOT_MANAGER}\\Description`, values: { Type: dword(BOOT_MANAGER_TYPE) } },
      element(BOOT_MANAGER, '11000001', binary(bcdPartitionDevice(bootVolume))),
      element(BOOT_MANAGER, '12000002', sz(uefi ? '\\EFI\\Microsoft\\Boot\\bootmgfw.efi' : '\\bootmgr')),
      element(BOOT_MANAGER, '12000004', sz('Windows Boot Manager')),
      element(BOOT_MANAGER, '23000003', sz(loaderGuid)),
      element(BOOT_MANAGER, '24000001', multiSz(loaderGuid)),
      element(BOOT_MANAGER, '25000004', binary([30, 0, 0, 0, 0, 0, 0, 0])),
      { key: `${objects}\\${loaderGuid}\\Description`, values: { Type: dword(OS_LOADER_TYPE) } },
      element(loaderGuid, '11000001', binary(bcdPartitionDevice(systemVolume))),
      element(loaderGuid, '12000002', sz(loaderPath)),
      element(loaderGuid, '12000004', sz(description)),
      element(loaderGuid, '21000001', binary(bcdPartitionDevice(systemVolume))),
      element(loaderGuid, '22000002', sz('\\Windows')),
      element(loaderGuid, '250000c2', binary([1, 0, 0, 0, 0, 0, 0, 0])),
    ],
  };
}

/** Driver files every guest has in System32\drivers (placeholders). */
const DRIVERS = ['disk', 'partmgr', 'volmgr', 'tcpip', 'pvscsi', 'vmci', 'vmhgfs', 'vmxnet3', 'vm3dmp', 'lsi_sas'];

/**
 * Files of the system volume: System32 with cmd.exe (what libguestfs checks),
 * the kernel, drivers, config (hives added by the recipe), Program Files.
 */
export function systemVolumeFiles({ arch = 'x86_64', modern }) {
  const exe = (subsystem = 'console') => ({ pe: { arch, subsystem } });
  const files = {
    '/Windows/System32/cmd.exe': exe(),
    '/Windows/System32/ntoskrnl.exe': exe('native'),
    '/Windows/System32/hal.dll': { pe: { arch, subsystem: 'native', dll: true } },
    '/Windows/System32/winload.exe': exe('native'),
    '/Windows/System32/pnputil.exe': exe(),
    '/Windows/System32/reg.exe': exe(),
    '/Windows/System32/msiexec.exe': exe('gui'),
    '/Windows/regedit.exe': exe('gui'),
    '/Windows/explorer.exe': exe('gui'),
    '/Windows/INF/machine.inf': '[Version]\r\nSignature="$WINDOWS NT$"\r\nClass=System\r\n',
    '/Program Files/VMware/VMware Tools/vmtoolsd.exe': exe('gui'),
    '/Program Files/VMware/VMware Tools/VMwareToolboxCmd.exe': exe(),
    '/Program Files/VMware/VMware Tools/tools.conf': '[logging]\r\nlog = false\r\n',
  };
  if (modern) files['/Windows/System32/winload.efi'] = { pe: { arch, subsystem: 'efi' } };
  for (const name of [...DRIVERS, ...(modern ? ['storahci', 'stornvme'] : ['msahci', 'intelide', 'atapi'])]) {
    files[`/Windows/System32/drivers/${name}.sys`] = { pe: { arch, subsystem: 'native' } };
  }
  return {
    // 32-bit Windows has no WOW64, so no "Program Files (x86)".
    dirs: ['/Windows/System32/config', '/Windows/System32/DriverStore/FileRepository', '/Windows/Temp', '/Users/Public', '/ProgramData', ...(arch === 'x86_64' ? ['/Program Files (x86)'] : [])],
    files,
  };
}
