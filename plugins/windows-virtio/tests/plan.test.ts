/**
 * Plans on the phony Windows guests' hives (MemoryRegistry) with the fake
 * virtio-win tree and ISO of test-images: the exact registry edits and
 * uploads the plugin proposes.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plan, RegistryChange, RegistryValue, UploadChange } from '@hyper2kvm/core';
import { MemoryRegistry, planWithPlugins, type MemoryHives } from '@hyper2kvm/plugin-kit';
import windowsVirtio, { driverStoreName } from '../src/index.js';
import { SCSI_ADAPTER, WINDOWS_TREE, virtioWinImage, windows2022Hives, windows7Hives } from './fixtures.js';

let virtioWin: { iso: string; tree: string };
beforeAll(async () => {
  virtioWin = await virtioWinImage();
}, 300_000);

/** Runs are ended (dispose: extracted ISO files removed) after each test, once the test has read what it needs. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function plan(hives: MemoryHives, options: Record<string, unknown>, arch = 'x86_64') {
  const outcome = await planWithPlugins({
    plugins: [[windowsVirtio, options]],
    guest: WINDOWS_TREE,
    registry: new MemoryRegistry(hives),
    hints: { type: 'windows', arch },
  });
  cleanups.push(outcome.cleanup);
  return outcome;
}

const registrySets = (p: Plan): Extract<RegistryChange, { kind: 'registry.set' }>[] =>
  p.changes.filter((change): change is Extract<RegistryChange, { kind: 'registry.set' }> => change.kind === 'registry.set');
const uploads = (p: Plan): UploadChange[] => p.changes.filter((change): change is UploadChange => change.kind === 'upload');
const valuesOf = (p: Plan, hive: string, key: string): Record<string, RegistryValue> =>
  Object.fromEntries(
    registrySets(p)
      .filter((change) => change.hive === hive && change.key.toLowerCase() === key.toLowerCase())
      .map((change) => [change.name, change.value]),
  );

const SERVICE = (drv: string) => ({
  Type: { type: 'REG_DWORD', data: 1 },
  Start: { type: 'REG_DWORD', data: 0 },
  ErrorControl: { type: 'REG_DWORD', data: 1 },
  Group: { type: 'REG_SZ', data: 'SCSI miniport' },
  ImagePath: { type: 'REG_EXPAND_SZ', data: `system32\\drivers\\${drv}.sys` },
});
const VIOSTOR_IDS = ['VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00', 'VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01'];
const VIOSCSI_IDS = ['VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00', 'VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01'];

describe('windows-2022 (Server 2022, DriverDatabase)', () => {
  it('installs viostor as a boot driver in every control set and removes StartOverride', async () => {
    const { plan: p, facts } = await plan(windows2022Hives(), { virtioWin: virtioWin.tree });
    expect(facts.windows?.controlSets).toEqual(['ControlSet001', 'ControlSet002']);
    for (const set of ['ControlSet001', 'ControlSet002']) expect(valuesOf(p, 'SYSTEM', `${set}\\Services\\viostor`)).toEqual(SERVICE('viostor'));
    const deletes = p.changes.filter((change) => change.kind === 'registry.deleteKey');
    expect(deletes).toMatchObject([{ hive: 'SYSTEM', key: 'ControlSet002\\Services\\viostor\\StartOverride' }]);
    expect(p.findings).toEqual([]);
    expect(facts.target).toEqual({ diskBus: 'virtio', nicModel: 'virtio' });
  });

  it('binds both PCI IDs through DriverDatabase, not CriticalDeviceDatabase', async () => {
    const { plan: p } = await plan(windows2022Hives(), { virtioWin: virtioWin.tree });
    const inf = await readFile(`${virtioWin.tree}/viostor/2k22/amd64/viostor.inf`);
    const store = driverStoreName('viostor', 'amd64', inf);
    expect(store).toMatch(/^viostor\.inf_amd64_[0-9a-f]{16}$/);
    expect(valuesOf(p, 'SYSTEM', 'DriverDatabase\\DriverInfFiles\\viostor.inf')).toEqual({
      '': { type: 'REG_MULTI_SZ', data: [store] },
      Active: { type: 'REG_SZ', data: store },
      Configurations: { type: 'REG_MULTI_SZ', data: ['viostor_inst'] },
    });
    const version = Buffer.concat([Buffer.from([0, 0xff, 9, 0, 0, 0, 0, 0]), Buffer.from('7BE9364D25E3CE11BFC108002BE10318', 'hex'), Buffer.alloc(24)]);
    expect(valuesOf(p, 'SYSTEM', `DriverDatabase\\DriverPackages\\${store}`)).toEqual({ Version: { type: 'REG_BINARY', data: Uint8Array.from(version) } });
    expect(valuesOf(p, 'SYSTEM', `DriverDatabase\\DriverPackages\\${store}\\Configurations\\viostor_inst`)).toEqual({
      ConfigFlags: { type: 'REG_DWORD', data: 0 },
      Service: { type: 'REG_SZ', data: 'viostor' },
    });
    for (const id of VIOSTOR_IDS) {
      expect(valuesOf(p, 'SYSTEM', `DriverDatabase\\DeviceIds\\PCI\\${id}`)).toEqual({
        'viostor.inf': { type: 'REG_BINARY', data: Uint8Array.from([1, 0xff, 0, 0]) },
      });
      expect(valuesOf(p, 'SYSTEM', `DriverDatabase\\DriverPackages\\${store}\\Descriptors\\PCI\\${id}`)).toEqual({
        Configuration: { type: 'REG_SZ', data: 'viostor_inst' },
      });
    }
    expect(registrySets(p).filter((change) => /CriticalDeviceDatabase/i.test(change.key))).toEqual([]);
    // Every SYSTEM edit is the service, or the driver database.
    expect(
      registrySets(p).filter(
        (change) => change.hive === 'SYSTEM' && !/^ControlSet00[12]\\Services\\viostor$/.test(change.key) && !change.key.startsWith('DriverDatabase\\'),
      ),
    ).toEqual([]);
  });

  it('stages the 2k22/amd64 drivers (no .pdb, no sriov, fwcfg only), copies viostor.sys and extends DevicePath once', async () => {
    const { plan: p, fileAfter } = await plan(windows2022Hives(), { virtioWin: virtioWin.tree });
    const staged = uploads(p).filter((change) => change.guestPath.startsWith('/Windows/Drivers/VirtIO/'));
    expect(staged.length).toBeGreaterThan(10);
    for (const change of staged) {
      expect(change.hostPath).toContain('/2k22/amd64/');
      expect(change.hostPath.startsWith(virtioWin.tree)).toBe(true);
      expect(change.guestPath).not.toMatch(/\.pdb$/i);
      expect(change.guestPath).not.toMatch(/sriov|vioprot/i);
    }
    const dirs = [...new Set(staged.map((change) => change.guestPath.split('/')[4]))].sort();
    expect(dirs).toEqual(['Balloon', 'NetKVM', 'fwcfg', 'pvpanic', 'viofs', 'viorng', 'vioscsi', 'vioserial', 'viostor']);
    expect(staged.map((change) => change.guestPath)).toEqual(
      expect.arrayContaining([
        '/Windows/Drivers/VirtIO/viostor/viostor.inf',
        '/Windows/Drivers/VirtIO/viostor/viostor.cat',
        '/Windows/Drivers/VirtIO/viostor/viostor.sys',
        '/Windows/Drivers/VirtIO/vioserial/vioser.inf',
        '/Windows/Drivers/VirtIO/NetKVM/netkvm.sys',
      ]),
    );
    expect(uploads(p).filter((change) => !staged.includes(change))).toEqual([
      expect.objectContaining({ hostPath: `${virtioWin.tree}/viostor/2k22/amd64/viostor.sys`, guestPath: '/Windows/System32/drivers/viostor.sys' }),
    ]);
    expect(await fileAfter('/Windows/System32/drivers/viostor.sys')).not.toBeNull();
    expect(valuesOf(p, 'SOFTWARE', 'Microsoft\\Windows\\CurrentVersion')).toEqual({
      DevicePath: { type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\inf;%SystemRoot%\\Drivers\\VirtIO' },
    });
  });

  it('does not add the staging folder to DevicePath twice', async () => {
    const hives = windows2022Hives();
    const software = hives.SOFTWARE!.find((entry) => entry.key === 'Microsoft\\Windows\\CurrentVersion')!;
    software.values!['DevicePath'] = { type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\inf;%SYSTEMROOT%\\drivers\\virtio' };
    const { plan: p } = await plan(hives, { virtioWin: virtioWin.tree });
    expect(registrySets(p).filter((change) => change.hive === 'SOFTWARE')).toEqual([]);
  });

  it('installs vioscsi instead when asked', async () => {
    const { plan: p } = await plan(windows2022Hives(), { virtioWin: virtioWin.tree, storage: 'vioscsi' });
    for (const set of ['ControlSet001', 'ControlSet002']) expect(valuesOf(p, 'SYSTEM', `${set}\\Services\\vioscsi`)).toEqual(SERVICE('vioscsi'));
    expect(registrySets(p).filter((change) => /viostor/i.test(change.key))).toEqual([]);
    for (const id of VIOSCSI_IDS)
      expect(valuesOf(p, 'SYSTEM', `DriverDatabase\\DeviceIds\\PCI\\${id}`)).toEqual({
        'vioscsi.inf': { type: 'REG_BINARY', data: Uint8Array.from([1, 0xff, 0, 0]) },
      });
    expect(uploads(p).find((change) => change.guestPath === '/Windows/System32/drivers/vioscsi.sys')?.hostPath).toBe(
      `${virtioWin.tree}/vioscsi/2k22/amd64/vioscsi.sys`,
    );
  });

  it('reads the ISO without mounting it: same files, extracted', async () => {
    const fromIso = await plan(windows2022Hives(), { virtioWin: virtioWin.iso });
    const fromTree = await plan(windows2022Hives(), { virtioWin: virtioWin.tree });
    expect(uploads(fromIso.plan).map((change) => change.guestPath)).toEqual(uploads(fromTree.plan).map((change) => change.guestPath));
    for (const change of uploads(fromIso.plan)) {
      const relative = change.hostPath.slice(change.hostPath.indexOf('hyper2kvm-virtio-win-')).split('/').slice(1).join('/');
      expect(await readFile(change.hostPath)).toEqual(await readFile(`${virtioWin.tree}/${relative}`));
    }
    expect(registrySets(fromIso.plan)).toEqual(registrySets(fromTree.plan));
  });
});

describe('windows-7 (Windows 7 SP1, CriticalDeviceDatabase)', () => {
  it('binds both PCI IDs through CriticalDeviceDatabase in every control set, from w7/amd64', async () => {
    const { plan: p } = await plan(windows7Hives(), { virtioWin: virtioWin.tree });
    for (const set of ['ControlSet001', 'ControlSet002']) {
      expect(valuesOf(p, 'SYSTEM', `${set}\\Services\\viostor`)).toEqual(SERVICE('viostor'));
      for (const id of VIOSTOR_IDS)
        expect(valuesOf(p, 'SYSTEM', `${set}\\Control\\CriticalDeviceDatabase\\PCI#${id}`)).toEqual({
          Service: { type: 'REG_SZ', data: 'viostor' },
          ClassGUID: { type: 'REG_SZ', data: SCSI_ADAPTER },
        });
    }
    expect(registrySets(p).filter((change) => change.key.startsWith('DriverDatabase'))).toEqual([]);
    expect(p.changes.filter((change) => change.kind === 'registry.deleteKey')).toEqual([]);
    const all = uploads(p);
    for (const change of all) expect(change.hostPath).toMatch(/\/w7\/amd64\/[^/]+$/);
    expect([...new Set(all.map((change) => change.hostPath.split('/').at(-4)))].sort()).toEqual([
      'Balloon',
      'NetKVM',
      'pvpanic',
      'qemufwcfg',
      'viorng',
      'vioscsi',
      'vioserial',
      'viostor',
    ]);
    expect(all.some((change) => /\.pdb$/i.test(change.guestPath))).toBe(false);
  });

  it('takes the x86 drivers on a 32-bit Windows 7', async () => {
    const { plan: p } = await plan(windows7Hives(), { virtioWin: virtioWin.tree }, 'i386');
    expect(uploads(p).length).toBeGreaterThan(0);
    for (const change of uploads(p)) expect(change.hostPath).toMatch(/\/w7\/x86\/[^/]+$/);
  });
});

describe('without matching drivers', () => {
  it('warns and falls back to SATA + e1000 when the source is missing', async () => {
    const { plan: p, facts } = await plan(windows2022Hives(), { virtioWin: '/nonexistent/virtio-win.iso' });
    expect(p.changes).toEqual([]);
    expect(p.findings).toMatchObject([{ rule: 'no-virtio-drivers', severity: 'warning' }]);
    expect(facts.target).toEqual({ diskBus: 'sata', nicModel: 'e1000' });
  });

  it('warns and falls back when virtio-win has nothing for the version (32-bit Server 2008 R2 does not exist)', async () => {
    const hives = windows7Hives();
    const version = hives.SOFTWARE!.find((entry) => entry.key === 'Microsoft\\Windows NT\\CurrentVersion')!;
    version.values!['InstallationType'] = { type: 'REG_SZ', data: 'Server' };
    const { plan: p, facts } = await plan(hives, { virtioWin: virtioWin.tree }, 'i386');
    expect(p.changes).toEqual([]);
    expect(p.findings[0]?.message).toMatch(/no drivers for Windows NT 6\.1 build 7601/);
    expect(facts.target).toEqual({ diskBus: 'sata', nicModel: 'e1000' });
  });
});
