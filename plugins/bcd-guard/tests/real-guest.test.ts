/**
 * bcd-guard on the phony Windows images through the real appliance: the
 * ESP (UEFI) is reached through the boot volume the guest access mounts, with
 * no configuration. What the run left is read back with host tools: the
 * overlay's ESP (mtools), the source's volumes, and the backup folder.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bcdGuard from '../src/index.js';
import { migrateWindowsImage, openPartitions, type PartitionFiles, type WindowsRun } from './real-guest.js';
// @ts-expect-error plain JavaScript recipe modules
import win2022 from '../../../test-images/recipes/windows-2022.mjs';

/** An appliance boot under TCG on a busy 2-CPU machine can take minutes. */
const RUN_TIMEOUT_MS = 900_000;
const ESP = 1;
const SYSTEM = 3;

const recipe = win2022 as { disk: { id: string }; partitions: { uuid: string; volume?: string }[] };
const systemPartitionGuid = recipe.partitions.find((partition) => partition.volume === 'system')?.uuid;

const rulesOf = (run: WindowsRun): [string, string][] => run.plan.findings.map((finding) => [finding.rule, finding.severity]);
const fileWrites = (run: WindowsRun): { path: string; after: Buffer }[] =>
  run.plan.changes.filter((change) => change.kind === 'file.write') as unknown as { path: string; after: Buffer }[];

describe('windows-2022-no-fallback (UEFI, no \\EFI\\BOOT\\BOOTX64.EFI)', () => {
  let run: WindowsRun;
  let overlay: PartitionFiles;
  let source: PartitionFiles;

  beforeAll(async () => {
    run = await migrateWindowsImage('windows-2022-no-fallback', [bcdGuard]);
    overlay = await openPartitions(run.overlay, 'qcow2');
    source = await openPartitions(run.vmdk, 'vmdk');
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    await overlay?.close();
    await source?.close();
    await run?.cleanup();
  });

  it('finds the ESP by itself and reports no esp-not-reachable', () => {
    expect(run.bootVolumes).toEqual([{ kind: 'esp', device: '/dev/sda1', root: '/.hyper2kvm/esp' }]);
    expect(run.facts.firmware).toBe('uefi');
    expect(run.facts.windows?.espRoot).toBe('/.hyper2kvm/esp');
    expect(rulesOf(run)).toEqual([['bcd-stores', 'info']]);
    expect(run.plan.findings[0]?.message).toContain('/.hyper2kvm/esp/EFI/Microsoft/Boot/BCD');
  });

  it("checks that the ESP store's default entry boots the system partition", () => {
    expect(systemPartitionGuid).toBeDefined();
    const guard = run.facts.extensions['@hyper2kvm/plugin-bcd-guard'];
    expect(guard?.espRoot).toBe('/.hyper2kvm/esp');
    expect(guard?.stores).toEqual([
      {
        path: '/.hyper2kvm/esp/EFI/Microsoft/Boot/BCD',
        defaultEntry: {
          guid: '{3f1c2b4a-8d9e-11ee-9a1b-000c29a1b2c3}',
          description: 'Windows Server',
          device: { kind: 'gpt', partition: systemPartitionGuid, disk: recipe.disk.id },
        },
      },
    ]);
  });

  it('writes \\EFI\\BOOT\\BOOTX64.EFI on the ESP as a copy of bootmgfw.efi', async () => {
    expect(fileWrites(run).map((change) => change.path)).toEqual(['/.hyper2kvm/esp/EFI/Boot/BOOTX64.EFI']);
    const bootmgfw = await source.readFile(ESP, 'vfat', '/EFI/Microsoft/Boot/bootmgfw.efi');
    expect(bootmgfw?.subarray(0, 2).toString('latin1')).toBe('MZ');
    expect(await source.readFile(ESP, 'vfat', '/EFI/BOOT/BOOTX64.EFI')).toBeNull();
    expect(await overlay.readFile(ESP, 'vfat', '/EFI/BOOT/BOOTX64.EFI')).toEqual(bootmgfw);
  });

  it('backs the ESP store up byte for byte and leaves it and C: unchanged', async () => {
    const original = await source.readFile(ESP, 'vfat', '/EFI/Microsoft/Boot/BCD');
    expect(original?.subarray(0, 4).toString('latin1')).toBe('regf');
    expect(await readdir(join(run.backupDir, 'bcd'))).toEqual(['ESP_EFI_Microsoft_Boot_BCD']);
    expect(await readFile(join(run.backupDir, 'bcd', 'ESP_EFI_Microsoft_Boot_BCD'))).toEqual(original);
    expect(await overlay.readFile(ESP, 'vfat', '/EFI/Microsoft/Boot/BCD')).toEqual(original);
    // No mount point or anything else was created on C: to reach the ESP.
    expect(await overlay.readdir(SYSTEM, 'ntfs', '/')).toEqual(await source.readdir(SYSTEM, 'ntfs', '/'));
  });
});

describe('windows-2022 (UEFI, fallback loader present)', () => {
  let run: WindowsRun;
  let overlay: PartitionFiles;
  let source: PartitionFiles;

  beforeAll(async () => {
    run = await migrateWindowsImage('windows-2022', [bcdGuard]);
    overlay = await openPartitions(run.overlay, 'qcow2');
    source = await openPartitions(run.vmdk, 'vmdk');
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    await overlay?.close();
    await source?.close();
    await run?.cleanup();
  });

  it('leaves the existing \\EFI\\BOOT\\BOOTX64.EFI alone and backs the store up', async () => {
    expect(rulesOf(run)).toEqual([['bcd-stores', 'info']]);
    expect(fileWrites(run)).toEqual([]);
    const fallback = await source.readFile(ESP, 'vfat', '/EFI/Boot/bootx64.efi');
    expect(fallback).not.toBeNull();
    expect(await overlay.readFile(ESP, 'vfat', '/EFI/Boot/bootx64.efi')).toEqual(fallback);
    expect(await readFile(join(run.backupDir, 'bcd', 'ESP_EFI_Microsoft_Boot_BCD'))).toEqual(await source.readFile(ESP, 'vfat', '/EFI/Microsoft/Boot/BCD'));
  });
});

describe('windows-7 (BIOS, boot files on C:)', () => {
  let run: WindowsRun;
  let source: PartitionFiles;

  beforeAll(async () => {
    run = await migrateWindowsImage('windows-7', [bcdGuard]);
    source = await openPartitions(run.vmdk, 'vmdk');
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    await source?.close();
    await run?.cleanup();
  });

  it('mounts nothing more, warns about nothing and backs \\Boot\\BCD up byte for byte', async () => {
    expect(run.bootVolumes).toEqual([]);
    expect(run.facts.firmware).toBe('bios');
    expect(run.facts.windows).not.toHaveProperty('espRoot');
    expect(run.facts.windows).not.toHaveProperty('bootVolumeRoot');
    expect(rulesOf(run)).toEqual([['bcd-stores', 'info']]);
    expect(await readdir(join(run.backupDir, 'bcd'))).toEqual(['Boot_BCD']);
    const original = await source.readFile(1, 'ntfs', '/Boot/BCD');
    expect(original?.subarray(0, 4).toString('latin1')).toBe('regf');
    expect(await readFile(join(run.backupDir, 'bcd', 'Boot_BCD'))).toEqual(original);
  });
});
