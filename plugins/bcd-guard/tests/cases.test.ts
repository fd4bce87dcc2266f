// bcd-guard as a table of Windows guests (plugin-kit's PluginTester): the one
// repair (the fallback UEFI loader) is made once, and a repaired guest needs
// nothing more. The BCD stores are real hives built from the recipes' data.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import type { RegistryValue } from '@hyper2kvm/core';
import { buildHive } from '@hyper2kvm/registry';
import { MemoryRegistry, PluginTester } from '@hyper2kvm/plugin-kit';
import bcdGuard from '../src/index.js';
// @ts-expect-error plain JavaScript recipe modules
import win2022 from '../../../test-images/recipes/windows-2022.mjs';

interface RecipeHive {
  root: string;
  entries: { key: string; values?: Record<string, RegistryValue> }[];
}
const volumes = (win2022 as { volumes: Record<string, { hives?: Record<string, RecipeHive> }> }).volumes;
const system = volumes['system']!.hives!;
const registry = () =>
  new MemoryRegistry({ SYSTEM: system['/Windows/System32/config/SYSTEM']!.entries, SOFTWARE: system['/Windows/System32/config/SOFTWARE']!.entries });

const scratch = await mkdtemp(join(tmpdir(), 'hyper2kvm-bcd-cases-'));
afterAll(() => rm(scratch, { recursive: true, force: true }));
const store = volumes['esp']!.hives!['/EFI/Microsoft/Boot/BCD']!;
await buildHive(join(scratch, 'BCD'), store.root, store.entries as Parameters<typeof buildHive>[2]);
const bcd = await readFile(join(scratch, 'BCD'));

const esp = '/.hyper2kvm/esp';
const uefi = { type: 'windows', arch: 'x86_64', firmware: 'uefi', windowsEspRoot: esp } as const;
const windows = { '/Windows/System32/cmd.exe': 'MZ', [`${esp}/EFI/Microsoft/Boot/BCD`]: bcd, [`${esp}/EFI/Microsoft/Boot/bootmgfw.efi`]: 'MZ bootmgfw' };
const storesFound = { rule: 'bcd-stores', severity: 'info' as const, message: /\/\.hyper2kvm\/esp\/EFI\/Microsoft\/Boot\/BCD/ };

new PluginTester({ describe, it }).run(bcdGuard, {
  valid: [
    {
      name: 'UEFI with its fallback loader',
      guest: { ...windows, [`${esp}/EFI/Boot/bootx64.efi`]: 'MZ old' },
      registry: registry(),
      hints: uefi,
      findings: [storesFound],
    },
    {
      name: 'BIOS: no loader to add',
      guest: { '/Windows/System32/cmd.exe': 'MZ' },
      registry: registry(),
      hints: { type: 'windows', arch: 'x86_64', firmware: 'bios' },
      findings: [{ rule: 'bcd-not-found', severity: 'warning' }],
    },
  ],
  invalid: [
    {
      name: 'UEFI without \\EFI\\BOOT\\BOOTX64.EFI',
      guest: windows,
      registry: registry(),
      hints: uefi,
      findings: [storesFound],
      changes: [{ kind: 'file.write', path: `${esp}/EFI/Boot/BOOTX64.EFI`, after: 'MZ bootmgfw' }],
    },
  ],
});
