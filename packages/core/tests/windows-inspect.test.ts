import { describe, expect, it } from 'vitest';
import { classifyInstallation, inspectGuestFacts, inspectWindows, PlannedGuest, type HiveName, type RegistryReader, type RegistryValue } from '../src/index.js';
import { MemoryGuest } from './helpers.js';

type HiveData = Record<string, Record<string, RegistryValue>>;

/**
 * An in-memory registry: each hive is a map of key path → values. Keys and
 * value names match case-insensitively, as in Windows; a key's parents exist
 * implicitly. An honest implementation of the RegistryReader port.
 */
class MemoryRegistry implements RegistryReader {
  readonly #hives: Partial<Record<HiveName, HiveData>>;
  constructor(hives: Partial<Record<HiveName, HiveData>>) {
    this.#hives = hives;
  }
  async getValue(hive: HiveName, key: string, name: string): Promise<RegistryValue | null> {
    const entry = Object.entries(this.#hives[hive] ?? {}).find(([path]) => path.toLowerCase() === key.toLowerCase());
    const value = Object.entries(entry?.[1] ?? {}).find(([valueName]) => valueName.toLowerCase() === name.toLowerCase());
    return value?.[1] ?? null;
  }
  async listSubkeys(hive: HiveName, key: string): Promise<string[] | null> {
    const data = this.#hives[hive];
    if (!data) return null;
    const prefix = key === '' ? '' : `${key.toLowerCase()}\\`;
    let exists = key === '';
    const children = new Map<string, string>();
    for (const path of Object.keys(data)) {
      if (path.toLowerCase() === key.toLowerCase()) exists = true;
      if (!path.toLowerCase().startsWith(prefix) || path.length === prefix.length) continue;
      exists = true;
      const child = path.slice(prefix.length).split('\\')[0]!;
      children.set(child.toLowerCase(), child);
    }
    return exists ? [...children.values()].sort() : null;
  }
}

const sz = (data: string): RegistryValue => ({ type: 'REG_SZ', data });
const dword = (data: number): RegistryValue => ({ type: 'REG_DWORD', data });

function server2022(): Partial<Record<HiveName, HiveData>> {
  return {
    SOFTWARE: {
      'Microsoft\\Windows NT\\CurrentVersion': {
        ProductName: sz('Windows Server 2022 Standard'),
        CurrentVersion: sz('6.3'),
        CurrentMajorVersionNumber: dword(10),
        CurrentMinorVersionNumber: dword(0),
        CurrentBuildNumber: sz('20348'),
        InstallationType: sz('Server'),
        EditionID: sz('ServerStandard'),
      },
      'VMware, Inc.\\VMware Tools': { InstallPath: sz('C:\\Program Files\\VMware\\VMware Tools\\') },
    },
    SYSTEM: {
      Select: { Current: dword(2) },
      'ControlSet001\\Control\\Session Manager\\Power': { HiberbootEnabled: dword(1) },
      'ControlSet002\\Control\\Session Manager\\Power': { HiberbootEnabled: dword(0) },
      'DriverDatabase\\DeviceIds\\PCI\\VEN_15AD&DEV_07C0': { 'pvscsii.inf': { type: 'REG_BINARY', data: new Uint8Array([1, 255, 0, 0]) } },
      MountedDevices: {},
    },
  };
}

function windows7(): Partial<Record<HiveName, HiveData>> {
  return {
    SOFTWARE: {
      'Microsoft\\Windows NT\\CurrentVersion': { ProductName: sz('Windows 7 Professional'), CurrentVersion: sz('6.1'), CurrentBuild: sz('7601') },
      'Microsoft\\Windows\\CurrentVersion\\Uninstall\\{2C1A5B6D-8E3F-4A7C-9D0B-1E2F3A4B5C6D}': {
        DisplayName: sz('VMware Tools'),
        UninstallString: sz('MsiExec.exe /X{2C1A5B6D-8E3F-4A7C-9D0B-1E2F3A4B5C6D}'),
      },
      'Microsoft\\Windows\\CurrentVersion\\Uninstall\\7-Zip': { DisplayName: sz('7-Zip 19.00 (x64)') },
    },
    SYSTEM: {
      Select: { Current: dword(1) },
      'controlset001\\Control\\CriticalDeviceDatabase\\pci#ven_15ad&dev_07c0': { Service: sz('pvscsi') },
    },
  };
}

describe('inspectWindows', () => {
  it('reads a Server 2022 guest: version DWORDs over CurrentVersion, Select\\Current, DriverDatabase, fast startup of the current set', async () => {
    const guest = new PlannedGuest(new MemoryGuest({ '/Windows/System32/cmd.exe': 'MZ' }), new MemoryRegistry(server2022()));
    const facts = await inspectWindows(guest);
    expect(facts).toEqual({
      productName: 'Windows Server 2022 Standard',
      editionId: 'ServerStandard',
      ntVersion: '10.0',
      build: 20348,
      installationType: 'server',
      systemRoot: '/Windows',
      controlSets: ['ControlSet001', 'ControlSet002'],
      currentControlSet: 'ControlSet002',
      hasDriverDatabase: true,
      hibernated: false,
      fastStartup: false,
      vmwareToolsInstalled: true,
    });
  });

  it('reads a Windows 7 guest: CurrentVersion and CurrentBuild, client by name, VMware Tools from its Uninstall entry', async () => {
    const guest = new PlannedGuest(new MemoryGuest({ '/WINDOWS/system32/cmd.exe': 'MZ' }), new MemoryRegistry(windows7()));
    const facts = await inspectWindows(guest, { systemRoot: '/WINDOWS' });
    expect(facts).toMatchObject({
      productName: 'Windows 7 Professional',
      ntVersion: '6.1',
      build: 7601,
      installationType: 'client',
      systemRoot: '/WINDOWS',
      controlSets: ['controlset001'],
      currentControlSet: 'ControlSet001',
      hasDriverDatabase: false,
      vmwareToolsInstalled: true,
    });
    expect(facts?.editionId).toBeUndefined();
  });

  it('calls a guest hibernated only when hiberfil.sys starts with a saved-system signature', async () => {
    const signatures: Record<string, boolean> = { HIBR: true, hibr: true, RSTR: true, wake: false, '\0\0\0\0': false };
    for (const [head, hibernated] of Object.entries(signatures)) {
      const memory = new MemoryGuest();
      await memory.writeFile('/HIBERFIL.SYS', Buffer.concat([Buffer.from(head, 'latin1'), Buffer.alloc(4092)]));
      const facts = await inspectWindows(new PlannedGuest(memory, new MemoryRegistry(server2022())));
      expect({ head, hibernated: facts?.hibernated }).toEqual({ head, hibernated });
    }
    const empty = new MemoryGuest({ '/hiberfil.sys': '' });
    expect((await inspectWindows(new PlannedGuest(empty, new MemoryRegistry(server2022()))))?.hibernated).toBe(false);
  });

  it('uses a ranged read for hiberfil.sys when one is given', async () => {
    const memory = new MemoryGuest();
    await memory.writeFile('/hiberfil.sys', Buffer.from('HIBR-and-gigabytes-more', 'latin1'));
    const asked: [string, number][] = [];
    const readHead = async (path: string, length: number): Promise<Buffer> => {
      asked.push([path, length]);
      return (await memory.readFile(path)).subarray(0, length);
    };
    const facts = await inspectWindows(new PlannedGuest(memory, new MemoryRegistry(server2022())), { readHead });
    expect(facts?.hibernated).toBe(true);
    expect(asked).toEqual([['/hiberfil.sys', 4]]);
  });

  it('sees fast startup in the current control set', async () => {
    const hives = server2022();
    hives.SYSTEM!['Select'] = { Current: dword(1) };
    const facts = await inspectWindows(new PlannedGuest(new MemoryGuest(), new MemoryRegistry(hives)));
    expect(facts).toMatchObject({ currentControlSet: 'ControlSet001', fastStartup: true });
  });

  it('returns null without a registry or without Windows NT\\CurrentVersion', async () => {
    expect(await inspectWindows(new PlannedGuest(new MemoryGuest()))).toBeNull();
    expect(await inspectWindows(new PlannedGuest(new MemoryGuest(), new MemoryRegistry({ SYSTEM: { Select: { Current: dword(1) } } })))).toBeNull();
  });

  it('classifies client and server from InstallationType, then EditionID, then the name', () => {
    expect(classifyInstallation('Server Core', undefined, 'Windows Server 2019 Datacenter')).toBe('server');
    expect(classifyInstallation('Client', 'ServerStandard', 'x')).toBe('client');
    expect(classifyInstallation(undefined, 'ServerEnterprise', 'Windows Server 2008 R2 Enterprise')).toBe('server');
    expect(classifyInstallation(undefined, undefined, 'Windows Server 2008 R2 Standard')).toBe('server');
    expect(classifyInstallation(undefined, 'Ultimate', 'Windows 7 Ultimate')).toBe('client');
  });
});

describe('inspectGuestFacts for Windows', () => {
  it('fills facts.windows from the registry and keeps the hints for arch and firmware', async () => {
    const facts = await inspectGuestFacts(new MemoryGuest(), {
      hints: { type: 'windows', arch: 'x86_64', firmware: 'uefi', windowsSystemRoot: '/Windows' },
      registry: new MemoryRegistry(server2022()),
    });
    expect(facts.os).toEqual({ type: 'windows', arch: 'x86_64', productName: 'Windows Server 2022 Standard' });
    expect(facts.firmware).toBe('uefi');
    expect(facts.windows?.ntVersion).toBe('10.0');
  });

  it('falls back to BIOS when the system volume holds \\Boot\\BCD and nothing else tells', async () => {
    const facts = await inspectGuestFacts(new MemoryGuest({ '/Boot/BCD': 'regf' }), { hints: { type: 'windows' }, registry: new MemoryRegistry(windows7()) });
    expect(facts.firmware).toBe('bios');
    expect(facts.windows?.productName).toBe('Windows 7 Professional');
  });

  it('records where the adapter shows the ESP and tells UEFI from the BCD store on it', async () => {
    const guest = new MemoryGuest({ '/.hyper2kvm/esp/EFI/Microsoft/Boot/BCD': 'regf' });
    const facts = await inspectGuestFacts(guest, { hints: { type: 'windows', windowsEspRoot: '/.hyper2kvm/esp' }, registry: new MemoryRegistry(server2022()) });
    expect(facts.firmware).toBe('uefi');
    expect(facts.windows?.espRoot).toBe('/.hyper2kvm/esp');
    expect(facts.windows?.bootVolumeRoot).toBeUndefined();
  });

  it('records a separate System Reserved volume and tells BIOS from the \\Boot\\BCD on it', async () => {
    const guest = new MemoryGuest({ '/.hyper2kvm/system-reserved/Boot/BCD': 'regf' });
    const facts = await inspectGuestFacts(guest, {
      hints: { type: 'windows', windowsBootVolumeRoot: '/.hyper2kvm/system-reserved' },
      registry: new MemoryRegistry(windows7()),
    });
    expect(facts.firmware).toBe('bios');
    expect(facts.windows?.bootVolumeRoot).toBe('/.hyper2kvm/system-reserved');
    expect(facts.windows?.espRoot).toBeUndefined();
  });
});
