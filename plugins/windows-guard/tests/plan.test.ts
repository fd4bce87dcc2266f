// windows-guard through the real engine on Windows guest folders, with the
// registry data the Windows test images are built from: the refusals, the
// warnings and AutoReboot=0. (The boot configuration is bcd-guard's.)
import { describe, expect, it } from 'vitest';
import type { GuestFilesystem, HiveName, RegistryReader, RegistryValue } from '@hyper2kvm/core';
import { MemoryRegistry, planWithPlugins, type GuestTree, type PlanOutcome } from '@hyper2kvm/plugin-kit';
import windowsGuard from '../src/index.js';
// @ts-expect-error plain JavaScript recipe modules
import * as shared from '../../../test-images/recipes/_shared/windows.mjs';
// @ts-expect-error plain JavaScript recipe modules
import win2022 from '../../../test-images/recipes/windows-2022.mjs';
// @ts-expect-error plain JavaScript recipe modules
import win7 from '../../../test-images/recipes/windows-7.mjs';
// @ts-expect-error plain JavaScript recipe modules
import win10hib from '../../../test-images/recipes/windows-10-hibernated.mjs';

interface RecipeHive {
  root: string;
  entries: { key: string; values?: Record<string, RegistryValue> }[];
}
interface Recipe {
  volumes: Record<string, { hives?: Record<string, RecipeHive> }>;
}
const hiveOf = (recipe: Recipe, hive: string) => recipe.volumes['system']?.hives?.[`/Windows/System32/config/${hive}`];
const registryFrom = (hives: Partial<Record<HiveName, RecipeHive | undefined>>): RegistryReader =>
  new MemoryRegistry(
    Object.fromEntries(
      Object.entries(hives)
        .filter(([, data]) => data)
        .map(([hive, data]) => [hive, data!.entries]),
    ),
  );
const registryOf = (recipe: Recipe) => registryFrom({ SYSTEM: hiveOf(recipe, 'SYSTEM'), SOFTWARE: hiveOf(recipe, 'SOFTWARE') });

async function plan(options: {
  registry: RegistryReader;
  firmware: 'bios' | 'uefi';
  guest?: GuestTree;
  filesystems?: GuestFilesystem[];
}): Promise<PlanOutcome> {
  const outcome = await planWithPlugins({
    plugins: [windowsGuard],
    guest: { '/Windows/System32/cmd.exe': 'MZ', ...options.guest },
    registry: options.registry,
    hints: { type: 'windows', arch: 'x86_64', firmware: options.firmware },
    ...(options.filesystems ? { filesystems: options.filesystems } : {}),
  });
  await outcome.cleanup();
  return outcome;
}

const autoReboot = (outcome: PlanOutcome) =>
  outcome.plan.changes
    .filter((change) => change.kind === 'registry.set')
    .map((change) => change as unknown as { hive: string; key: string; name: string; value: unknown });

describe('windows-guard on the hibernated Windows 10 (fast startup on)', () => {
  it('refuses with two error findings and says how to fix it in the source VM', async () => {
    const run = await plan({
      registry: registryOf(win10hib),
      firmware: 'bios',
      guest: { '/hiberfil.sys': Buffer.concat([Buffer.from('HIBR', 'latin1'), Buffer.alloc(4092)]) },
    });
    expect(run.facts.windows?.hibernated).toBe(true);
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['windows-hibernated', 'error'],
      ['windows-fast-startup', 'error'],
    ]);
    expect(run.plan.findings[0]?.hint).toContain('powercfg /h off');
    expect(run.plan.findings[1]?.hint).toContain('Fast Startup off');
    expect(run.plan.findings.every((f) => f.plugin === '@hyper2kvm/plugin-windows-guard')).toBe(true);
    expect(autoReboot(run)).toEqual([
      expect.objectContaining({ hive: 'SYSTEM', key: 'ControlSet001\\Control\\CrashControl', name: 'AutoReboot', value: { type: 'REG_DWORD', data: 0 } }),
    ]);
  });
});

describe('windows-guard on Windows 7', () => {
  it('sets AutoReboot=0 in both control sets and finds nothing to refuse', async () => {
    const run = await plan({ registry: registryOf(win7), firmware: 'bios' });
    expect(run.plan.findings).toEqual([]);
    expect(autoReboot(run).map((change) => [change.key, change.name, change.value])).toEqual([
      ['ControlSet001\\Control\\CrashControl', 'AutoReboot', { type: 'REG_DWORD', data: 0 }],
      ['ControlSet002\\Control\\CrashControl', 'AutoReboot', { type: 'REG_DWORD', data: 0 }],
    ]);
    expect(run.plan.changes).toHaveLength(2);
  });

  it('leaves AutoReboot alone when told to', async () => {
    const outcome = await planWithPlugins({
      plugins: [[windowsGuard, { disableAutoReboot: false }]],
      guest: { '/Windows/System32/cmd.exe': 'MZ' },
      registry: registryOf(win7),
      hints: { type: 'windows', arch: 'x86_64', firmware: 'bios' },
    });
    await outcome.cleanup();
    expect(outcome.plan.changes).toEqual([]);
  });
});

describe('windows-guard on Windows Server 2022', () => {
  it('refuses BitLocker and dynamic volumes, warns about security products and device install policies', async () => {
    const system = hiveOf(win2022, 'SYSTEM') as RecipeHive;
    const software = hiveOf(win2022, 'SOFTWARE') as RecipeHive;
    const registry = registryFrom({
      SYSTEM: {
        ...system,
        entries: [
          ...system.entries,
          { key: 'ControlSet001\\Services\\CSAgent', values: { Start: shared.dword(1) } },
          { key: 'ControlSet001\\Services\\SepMasterService', values: { Start: shared.dword(4) } },
        ],
      },
      SOFTWARE: {
        ...software,
        entries: [
          ...software.entries,
          { key: 'Policies\\Microsoft\\Windows\\DeviceInstall\\Restrictions', values: { DenyUnspecified: shared.dword(1), DenyDeviceIDs: shared.dword(0) } },
        ],
      },
    });
    const run = await plan({
      registry,
      firmware: 'uefi',
      filesystems: [
        { device: '/dev/sda3', type: 'BitLocker' },
        { device: '/dev/mapper/ldm_vol_WIN-Dg0_Volume1', type: 'ntfs' },
      ],
    });
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['windows-bitlocker', 'error'],
      ['windows-dynamic-disk', 'error'],
      ['windows-security-product', 'warning'],
      ['windows-device-install-policy', 'warning'],
    ]);
    expect(run.plan.findings[0]?.hint).toContain('manage-bde -off C:');
    expect(run.plan.findings[2]?.message).toBe(
      'CrowdStrike Falcon is installed (services CSAgent); it may block the new virtio boot driver and cause INACCESSIBLE_BOOT_DEVICE.',
    );
    expect(run.plan.findings[3]?.message).toContain('(DenyUnspecified=1 under HKLM');
  });
});
