// bcd-guard as a table of Windows guests (plugin-kit's PluginTester): the one
// repair (the fallback UEFI loader) is made once, and a repaired guest needs
// nothing more. The BCD stores are real hives built from the recipes' data.
import { describe, it } from 'vitest';
import { PluginTester } from '@hyper2kvm/plugin-kit';
import bcdGuard from '../src/index.js';
import { bcdBytes, hivesOf, registryOf, type Recipe } from './recipes.js';
// @ts-expect-error plain JavaScript recipe modules
import win2022 from '../../../test-images/recipes/windows-2022.mjs';

const recipe = win2022 as Recipe;
const registry = () => registryOf(recipe);
const bcd = await bcdBytes(hivesOf(recipe, 'esp')['/EFI/Microsoft/Boot/BCD']!);

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
