// bcd-guard through the real engine on guest folders holding real BCD hives
// (built by @hyper2kvm/registry from the Windows recipes' data): the stores
// found, their default entry checked, the backup made in fixOffline, and the
// fallback UEFI loader added only when it is missing.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OsHints } from '@hyper2kvm/core';
import { planWithPlugins, type GuestTree, type PlanOutcome } from '@hyper2kvm/plugin-kit';
import bcdGuard, { backupNameOf } from '../src/index.js';
import { bcdBytes, hivesOf as hives, registryOf, type Recipe, type RecipeHive } from './recipes.js';
// @ts-expect-error plain JavaScript recipe modules
import * as shared from '../../../test-images/recipes/_shared/windows.mjs';
// @ts-expect-error plain JavaScript recipe modules
import win2022 from '../../../test-images/recipes/windows-2022.mjs';
// @ts-expect-error plain JavaScript recipe modules
import win7 from '../../../test-images/recipes/windows-7.mjs';
// @ts-expect-error plain JavaScript recipe modules
import win10hib from '../../../test-images/recipes/windows-10-hibernated.mjs';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hyper2kvm-bcd-test-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function plan(options: {
  recipe: Recipe;
  firmware: 'bios' | 'uefi';
  guest: GuestTree;
  hints?: Partial<OsHints>;
  espRoots?: string[];
}): Promise<PlanOutcome> {
  const outcome = await planWithPlugins({
    plugins: [options.espRoots ? [bcdGuard, { espRoots: options.espRoots }] : bcdGuard],
    guest: { '/Windows/System32/cmd.exe': 'MZ', ...options.guest },
    registry: registryOf(options.recipe),
    hints: { type: 'windows', arch: 'x86_64', firmware: options.firmware, ...options.hints },
  });
  cleanups.push(outcome.cleanup);
  return outcome;
}

describe('bcd-guard on Windows 7 (BIOS, BCD on the system volume)', () => {
  it('lists the store, proposes no change and backs the store up byte for byte in fixOffline', async () => {
    const bcd = await bcdBytes(hives(win7)['/Boot/BCD'] as RecipeHive);
    const run = await plan({ recipe: win7, firmware: 'bios', guest: { '/Boot/BCD': bcd } });
    expect(run.plan.findings).toEqual([
      {
        plugin: '@hyper2kvm/plugin-bcd-guard',
        rule: 'bcd-stores',
        severity: 'info',
        message: "Firmware bios; BCD stores found: /Boot/BCD. They are copied to the run's backup folder and never rewritten.",
      },
    ]);
    expect(run.facts.extensions['@hyper2kvm/plugin-bcd-guard']).toEqual({
      stores: [
        {
          path: '/Boot/BCD',
          defaultEntry: {
            guid: '{b2721d73-1db4-11e0-a2c5-000c29d3f2a1}',
            description: 'Windows 7',
            device: { kind: 'mbr', offset: 1048576, signature: 0x5e1d7c3a },
          },
        },
      ],
    });
    expect(run.plan.changes).toEqual([]);
    const backupDir = await tempDir();
    await run.engine.fix(run.guest, run.facts, run.plan, { backupDir });
    expect((await readFile(join(backupDir, 'bcd', 'Boot_BCD'))).equals(bcd)).toBe(true);
    expect((await readFile(join(run.root, 'Boot', 'BCD'))).equals(bcd)).toBe(true);
  });

  it('warns when the default entry boots from another partition than C:', async () => {
    const other = shared.bcdHive({
      loaderGuid: '{b2721d73-1db4-11e0-a2c5-000c29d3f2a1}',
      description: 'Windows 7',
      uefi: false,
      systemVolume: { mbrSignature: 0x5e1d7c3a, offset: 99 * 1024 * 1024 },
      bootVolume: { mbrSignature: 0x5e1d7c3a, offset: 1024 * 1024 },
    });
    const run = await plan({ recipe: win7, firmware: 'bios', guest: { '/boot/bcd': await bcdBytes(other) } });
    expect(run.plan.findings.map((f) => [f.rule, f.severity, f.message])).toEqual([
      ['bcd-stores', 'info', "Firmware bios; BCD stores found: /boot/bcd. They are copied to the run's backup folder and never rewritten."],
      [
        'bcd-default-elsewhere',
        'warning',
        'The default boot entry {b2721d73-1db4-11e0-a2c5-000c29d3f2a1} ("Windows 7") of /boot/bcd boots from MBR disk 5e1d7c3a at offset 103809024, not the system volume C:.',
      ],
    ]);
  });

  it('says so when no store is reachable, and changes nothing', async () => {
    const run = await plan({ recipe: win7, firmware: 'bios', guest: {} });
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([['bcd-not-found', 'warning']]);
    expect(run.plan.changes).toEqual([]);
  });
});

describe('bcd-guard with a System Reserved partition (BIOS)', () => {
  it('reads and checks the \\Boot\\BCD of the boot volume the guest access mounted', async () => {
    const bcd = await bcdBytes(hives(win10hib, 'reserved')['/Boot/BCD'] as RecipeHive);
    const run = await plan({
      recipe: win10hib,
      firmware: 'bios',
      guest: { '/.hyper2kvm/system-reserved/Boot/BCD': bcd, '/.hyper2kvm/system-reserved/bootmgr': 'MZ' },
      hints: { windowsBootVolumeRoot: '/.hyper2kvm/system-reserved' },
    });
    // Its default entry boots C:, so no bcd-default-elsewhere.
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([['bcd-stores', 'info']]);
    expect(run.plan.findings[0]?.message).toContain('/.hyper2kvm/system-reserved/Boot/BCD');
  });

  it('names backups after their volume', () => {
    const roots = { espRoot: '/.hyper2kvm/esp', bootVolumeRoot: '/.hyper2kvm/system-reserved' };
    expect(backupNameOf('/Boot/BCD', roots)).toBe('Boot_BCD');
    expect(backupNameOf('/.hyper2kvm/esp/EFI/Microsoft/Boot/BCD', roots)).toBe('ESP_EFI_Microsoft_Boot_BCD');
    expect(backupNameOf('/.hyper2kvm/system-reserved/Boot/BCD', roots)).toBe('SystemReserved_Boot_BCD');
    expect(backupNameOf('/esp/EFI/Microsoft/Boot/BCD', {})).toBe('esp_EFI_Microsoft_Boot_BCD');
  });
});

describe('bcd-guard on Windows Server 2022 (UEFI)', () => {
  const esp = async (withFallback: boolean): Promise<GuestTree> => ({
    '/esp/EFI/Microsoft/Boot/BCD': await bcdBytes(hives(win2022, 'esp')['/EFI/Microsoft/Boot/BCD'] as RecipeHive),
    '/esp/EFI/Microsoft/Boot/bootmgfw.efi': 'MZ bootmgfw',
    ...(withFallback ? { '/esp/EFI/Boot/bootx64.efi': 'MZ old' } : {}),
  });

  it('copies bootmgfw.efi to \\EFI\\BOOT\\BOOTX64.EFI when missing and checks the GPT default entry', async () => {
    const run = await plan({ recipe: win2022, firmware: 'uefi', guest: await esp(false), espRoots: ['/esp'] });
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([['bcd-stores', 'info']]);
    expect(run.plan.changes).toEqual([
      expect.objectContaining({ kind: 'file.write', path: '/esp/EFI/Boot/BOOTX64.EFI', before: null, after: Buffer.from('MZ bootmgfw') }),
    ]);
    const guard = run.facts.extensions['@hyper2kvm/plugin-bcd-guard']!;
    expect(guard.stores[0]?.defaultEntry?.device).toEqual({
      kind: 'gpt',
      partition: '8D7C6B5A-4938-4F7E-AF9E-8D7C6B5A4938',
      disk: '4A3B2C1D-5E6F-4708-9A1B-2C3D4E5F6071',
    });
  });

  it('uses the ESP the guest access mounted without configuration, backs the store up and writes the loader', async () => {
    const tree = Object.fromEntries(Object.entries(await esp(false)).map(([path, content]) => [path.replace(/^\/esp\//, '/.hyper2kvm/esp/'), content]));
    const run = await plan({ recipe: win2022, firmware: 'uefi', guest: tree, hints: { windowsEspRoot: '/.hyper2kvm/esp' } });
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([['bcd-stores', 'info']]);
    expect(run.plan.changes.map((change) => (change as { path: string }).path)).toEqual(['/.hyper2kvm/esp/EFI/Boot/BOOTX64.EFI']);
    const backupDir = await tempDir();
    await run.engine.fix(run.guest, run.facts, run.plan, { backupDir });
    expect(await readFile(join(backupDir, 'bcd', 'ESP_EFI_Microsoft_Boot_BCD'))).toEqual(tree['/.hyper2kvm/esp/EFI/Microsoft/Boot/BCD']);
    expect(await readFile(join(run.root, '.hyper2kvm', 'esp', 'EFI', 'Boot', 'BOOTX64.EFI'), 'latin1')).toBe('MZ bootmgfw');
    // Repaired: the next plan on the same guest proposes nothing.
    const again = await planWithPlugins({
      plugins: [bcdGuard],
      guest: run.root,
      registry: registryOf(win2022),
      hints: { type: 'windows', arch: 'x86_64', firmware: 'uefi', windowsEspRoot: '/.hyper2kvm/esp' },
    });
    cleanups.push(again.cleanup);
    expect(again.plan.changes).toEqual([]);
  });

  it('leaves an existing fallback loader alone', async () => {
    const run = await plan({ recipe: win2022, firmware: 'uefi', guest: await esp(true), espRoots: ['/esp'] });
    expect(run.plan.changes).toEqual([]);
  });

  it('warns instead of pretending when the ESP is not reachable', async () => {
    const run = await plan({ recipe: win2022, firmware: 'uefi', guest: {} });
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['bcd-not-found', 'warning'],
      ['esp-not-reachable', 'warning'],
    ]);
  });
});
