import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHive } from '@hyper2kvm/registry';
import windowsGuard, { backupNameOf } from '../src/index.js';
import { registryFrom, runPlan, tempDir, type RecipeHive } from './helpers.js';
// @ts-expect-error plain JavaScript recipe modules
import * as shared from '../../../test-images/recipes/_shared/windows.mjs';
// @ts-expect-error plain JavaScript recipe modules
import win2022 from '../../../test-images/recipes/windows-2022.mjs';
// @ts-expect-error plain JavaScript recipe modules
import win7 from '../../../test-images/recipes/windows-7.mjs';
// @ts-expect-error plain JavaScript recipe modules
import win10hib from '../../../test-images/recipes/windows-10-hibernated.mjs';

interface Recipe { volumes: Record<string, { hives?: Record<string, RecipeHive> }> }
const hives = (recipe: Recipe, volume = 'system') => recipe.volumes[volume]?.hives ?? {};
const registryOf = (recipe: Recipe) => registryFrom({ SYSTEM: hives(recipe)['/Windows/System32/config/SYSTEM'], SOFTWARE: hives(recipe)['/Windows/System32/config/SOFTWARE'] });

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** A real BCD hive file's bytes, built from recipe data. */
async function bcdBytes(hive: RecipeHive): Promise<Buffer> {
  const dir = await tempDir();
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'BCD');
  await buildHive(path, hive.root, hive.entries as Parameters<typeof buildHive>[2]);
  return readFile(path);
}

const autoReboot = (plan: { changes: { kind: string }[] }) =>
  plan.changes.filter((change) => change.kind === 'registry.set').map((change) => change as unknown as { hive: string; key: string; name: string; value: unknown });

describe('windows-guard on the hibernated Windows 10 (fast startup on)', () => {
  it('refuses with two error findings and says how to fix it in the source VM', async () => {
    const run = await runPlan({
      plugins: [windowsGuard],
      firmware: 'bios',
      registry: registryOf(win10hib),
      guest: { '/Windows/System32/cmd.exe': 'MZ', '/hiberfil.sys': Buffer.concat([Buffer.from('HIBR', 'latin1'), Buffer.alloc(4092)]) },
    });
    cleanups.push(run.cleanup);
    expect(run.facts.windows?.hibernated).toBe(true);
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['windows-hibernated', 'error'],
      ['windows-fast-startup', 'error'],
      ['bcd-not-found', 'warning'],
    ]);
    expect(run.plan.findings[0]?.hint).toContain('powercfg /h off');
    expect(run.plan.findings[1]?.hint).toContain('Fast Startup off');
    expect(run.plan.findings.every((f) => f.plugin === '@hyper2kvm/plugin-windows-guard')).toBe(true);
    expect(autoReboot(run.plan)).toEqual([
      expect.objectContaining({ hive: 'SYSTEM', key: 'ControlSet001\\Control\\CrashControl', name: 'AutoReboot', value: { type: 'REG_DWORD', data: 0 } }),
    ]);
  });
});

describe('windows-guard on Windows 7 (BIOS, BCD on the system volume)', () => {
  it('lists the BCD store, sets AutoReboot=0 in both control sets and backs the store up in fixOffline', async () => {
    const bcd = await bcdBytes(hives(win7)['/Boot/BCD'] as RecipeHive);
    const run = await runPlan({ plugins: [windowsGuard], firmware: 'bios', registry: registryOf(win7), guest: { '/Windows/System32/cmd.exe': 'MZ', '/Boot/BCD': bcd } });
    cleanups.push(run.cleanup);
    expect(run.plan.findings).toEqual([
      {
        plugin: '@hyper2kvm/plugin-windows-guard',
        rule: 'bcd-stores',
        severity: 'info',
        message: "Firmware bios; BCD stores found: /Boot/BCD. They are copied to the run's backup folder and never rewritten.",
      },
    ]);
    expect(run.facts.extensions['@hyper2kvm/plugin-windows-guard']).toEqual({
      stores: [{ path: '/Boot/BCD', defaultEntry: { guid: '{b2721d73-1db4-11e0-a2c5-000c29d3f2a1}', description: 'Windows 7', device: { kind: 'mbr', offset: 1048576, signature: 0x5e1d7c3a } } }],
    });
    expect(autoReboot(run.plan).map((change) => [change.key, change.name, change.value])).toEqual([
      ['ControlSet001\\Control\\CrashControl', 'AutoReboot', { type: 'REG_DWORD', data: 0 }],
      ['ControlSet002\\Control\\CrashControl', 'AutoReboot', { type: 'REG_DWORD', data: 0 }],
    ]);
    expect(run.plan.changes).toHaveLength(2);
    const backupDir = await tempDir();
    cleanups.push(() => rm(backupDir, { recursive: true, force: true }));
    await run.engine.fix(run.guest, run.facts, { ...run.plan, changes: [] }, { backupDir });
    expect((await readFile(join(backupDir, 'bcd', 'Boot_BCD'))).equals(bcd)).toBe(true);
    expect((await readFile(join(run.root, 'Boot', 'BCD'))).equals(bcd)).toBe(true);
  });

  it('warns when the default entry boots from another partition than C:', async () => {
    const other = shared.bcdHive({ loaderGuid: '{b2721d73-1db4-11e0-a2c5-000c29d3f2a1}', description: 'Windows 7', uefi: false, systemVolume: { mbrSignature: 0x5e1d7c3a, offset: 99 * 1024 * 1024 }, bootVolume: { mbrSignature: 0x5e1d7c3a, offset: 1024 * 1024 } });
    const run = await runPlan({ plugins: [windowsGuard], firmware: 'bios', registry: registryOf(win7), guest: { '/Windows/System32/cmd.exe': 'MZ', '/boot/bcd': await bcdBytes(other) } });
    cleanups.push(run.cleanup);
    expect(run.plan.findings.map((f) => [f.rule, f.severity, f.message])).toEqual([
      ['bcd-stores', 'info', "Firmware bios; BCD stores found: /boot/bcd. They are copied to the run's backup folder and never rewritten."],
      ['bcd-default-elsewhere', 'warning', 'The default boot entry {b2721d73-1db4-11e0-a2c5-000c29d3f2a1} ("Windows 7") of /boot/bcd boots from MBR disk 5e1d7c3a at offset 103809024, not the system volume C:.'],
    ]);
  });
});

describe('windows-guard with a System Reserved partition (BIOS)', () => {
  it('reads and checks the \\Boot\\BCD of the boot volume the guest access mounted', async () => {
    const bcd = await bcdBytes(hives(win10hib, 'reserved')['/Boot/BCD'] as RecipeHive);
    const run = await runPlan({
      plugins: [windowsGuard],
      firmware: 'bios',
      registry: registryOf(win10hib),
      guest: { '/Windows/System32/cmd.exe': 'MZ', '/.hyper2kvm/system-reserved/Boot/BCD': bcd, '/.hyper2kvm/system-reserved/bootmgr': 'MZ' },
      facts: { windows: { bootVolumeRoot: '/.hyper2kvm/system-reserved' } },
    });
    cleanups.push(run.cleanup);
    // Fast startup blocks the fix; the store is still found and its default entry boots C: (no bcd-default-elsewhere).
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['windows-fast-startup', 'error'],
      ['bcd-stores', 'info'],
    ]);
    expect(run.plan.findings[1]?.message).toContain('/.hyper2kvm/system-reserved/Boot/BCD');
  });

  it('names backups after their volume', () => {
    const roots = { espRoot: '/.hyper2kvm/esp', bootVolumeRoot: '/.hyper2kvm/system-reserved' };
    expect(backupNameOf('/Boot/BCD', roots)).toBe('Boot_BCD');
    expect(backupNameOf('/.hyper2kvm/esp/EFI/Microsoft/Boot/BCD', roots)).toBe('ESP_EFI_Microsoft_Boot_BCD');
    expect(backupNameOf('/.hyper2kvm/system-reserved/Boot/BCD', roots)).toBe('SystemReserved_Boot_BCD');
    expect(backupNameOf('/esp/EFI/Microsoft/Boot/BCD', {})).toBe('esp_EFI_Microsoft_Boot_BCD');
  });
});

describe('windows-guard on Windows Server 2022 (UEFI)', () => {
  const esp = async (withFallback: boolean) => ({
    '/Windows/System32/cmd.exe': 'MZ',
    '/esp/EFI/Microsoft/Boot/BCD': await bcdBytes(hives(win2022, 'esp')['/EFI/Microsoft/Boot/BCD'] as RecipeHive),
    '/esp/EFI/Microsoft/Boot/bootmgfw.efi': 'MZ bootmgfw',
    ...(withFallback ? { '/esp/EFI/Boot/bootx64.efi': 'MZ old' } : {}),
  });

  it('copies bootmgfw.efi to \\EFI\\BOOT\\BOOTX64.EFI when missing and checks the GPT default entry', async () => {
    const run = await runPlan({ plugins: [[windowsGuard, { espRoots: ['/esp'] }]], firmware: 'uefi', registry: registryOf(win2022), guest: await esp(false) });
    cleanups.push(run.cleanup);
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([['bcd-stores', 'info']]);
    const writes = run.plan.changes.filter((change) => change.kind === 'file.write');
    expect(writes).toEqual([expect.objectContaining({ kind: 'file.write', path: '/esp/EFI/Boot/BOOTX64.EFI', before: null, after: Buffer.from('MZ bootmgfw') })]);
    const guard = run.facts.extensions['@hyper2kvm/plugin-windows-guard']!;
    expect(guard.stores[0]?.defaultEntry?.device).toEqual({ kind: 'gpt', partition: '8D7C6B5A-4938-4F7E-AF9E-8D7C6B5A4938', disk: '4A3B2C1D-5E6F-4708-9A1B-2C3D4E5F6071' });
  });

  it('uses the ESP the guest access mounted (facts.windows.espRoot) without configuration', async () => {
    const tree = Object.fromEntries(Object.entries(await esp(false)).map(([path, content]) => [path.replace(/^\/esp\//, '/.hyper2kvm/esp/'), content]));
    const run = await runPlan({ plugins: [windowsGuard], firmware: 'uefi', registry: registryOf(win2022), guest: tree, facts: { windows: { espRoot: '/.hyper2kvm/esp' } } });
    cleanups.push(run.cleanup);
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([['bcd-stores', 'info']]);
    expect(run.plan.changes.filter((change) => change.kind === 'file.write').map((change) => (change as { path: string }).path)).toEqual(['/.hyper2kvm/esp/EFI/Boot/BOOTX64.EFI']);
    const backupDir = await tempDir();
    cleanups.push(() => rm(backupDir, { recursive: true, force: true }));
    // Registry edits need a registry writer; the file changes and the backup do not.
    await run.engine.fix(run.guest, run.facts, { ...run.plan, changes: run.plan.changes.filter((change) => change.kind === 'file.write') }, { backupDir });
    expect(await readFile(join(backupDir, 'bcd', 'ESP_EFI_Microsoft_Boot_BCD'))).toEqual(tree['/.hyper2kvm/esp/EFI/Microsoft/Boot/BCD']);
    expect(await readFile(join(run.root, '.hyper2kvm', 'esp', 'EFI', 'Boot', 'BOOTX64.EFI'), 'latin1')).toBe('MZ bootmgfw');
  });

  it('leaves an existing fallback loader alone', async () => {
    const run = await runPlan({ plugins: [[windowsGuard, { espRoots: ['/esp'] }]], firmware: 'uefi', registry: registryOf(win2022), guest: await esp(true) });
    cleanups.push(run.cleanup);
    expect(run.plan.changes.filter((change) => change.kind === 'file.write')).toEqual([]);
  });

  it('warns instead of pretending when the ESP is not reachable', async () => {
    const run = await runPlan({ plugins: [windowsGuard], firmware: 'uefi', registry: registryOf(win2022), guest: { '/Windows/System32/cmd.exe': 'MZ' } });
    cleanups.push(run.cleanup);
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['bcd-not-found', 'warning'],
      ['esp-not-reachable', 'warning'],
    ]);
  });

  it('refuses BitLocker and dynamic volumes, warns about security products and device install policies', async () => {
    const system = hives(win2022)['/Windows/System32/config/SYSTEM'] as RecipeHive;
    const software = hives(win2022)['/Windows/System32/config/SOFTWARE'] as RecipeHive;
    const registry = registryFrom({
      SYSTEM: { ...system, entries: [...system.entries, { key: 'ControlSet001\\Services\\CSAgent', values: { Start: shared.dword(1) } }, { key: 'ControlSet001\\Services\\SepMasterService', values: { Start: shared.dword(4) } }] },
      SOFTWARE: { ...software, entries: [...software.entries, { key: 'Policies\\Microsoft\\Windows\\DeviceInstall\\Restrictions', values: { DenyUnspecified: shared.dword(1), DenyDeviceIDs: shared.dword(0) } }] },
    });
    const run = await runPlan({
      plugins: [windowsGuard],
      firmware: 'uefi',
      registry,
      guest: { '/Windows/System32/cmd.exe': 'MZ' },
      filesystems: [
        { device: '/dev/sda3', type: 'BitLocker' },
        { device: '/dev/mapper/ldm_vol_WIN-Dg0_Volume1', type: 'ntfs' },
      ],
    });
    cleanups.push(run.cleanup);
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['windows-bitlocker', 'error'],
      ['windows-dynamic-disk', 'error'],
      ['windows-security-product', 'warning'],
      ['windows-device-install-policy', 'warning'],
      ['bcd-not-found', 'warning'],
      ['esp-not-reachable', 'warning'],
    ]);
    expect(run.plan.findings[0]?.hint).toContain('manage-bde -off C:');
    expect(run.plan.findings[2]?.message).toBe('CrowdStrike Falcon is installed (services CSAgent); it may block the new virtio boot driver and cause INACCESSIBLE_BOOT_DEVICE.');
    expect(run.plan.findings[3]?.message).toContain('(DenyUnspecified=1 under HKLM');
  });
});
