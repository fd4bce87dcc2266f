/**
 * mountGuest on Windows guests whose boot files are on another partition than
 * C:: the ESP (windows-2022, UEFI/GPT) and a System Reserved partition
 * (windows-10-hibernated, BIOS/MBR) appear under reserved guest paths. What
 * the appliance wrote is checked afterwards on the overlay with host tools
 * (mtools, ntfs-3g), not through the appliance.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestFsError } from '@hyper2kvm/core';
import { GuestfsAppliance, WINDOWS_ESP_ROOT, WINDOWS_SYSTEM_RESERVED_ROOT, type OsInspection } from '../src/index.js';

process.env['LIBGUESTFS_BACKEND'] = 'direct';

/** An appliance boot under TCG on a busy 2-CPU machine can take minutes. */
const LAUNCH_TIMEOUT_MS = 600_000;

interface PartitionFiles {
  readFile(partition: number, fs: 'vfat' | 'ntfs', path: string): Promise<Buffer | null>;
  readdir(partition: number, fs: 'vfat' | 'ntfs', path: string): Promise<string[]>;
  close(): Promise<void>;
}

const testImages = (file: string): string => fileURLToPath(new URL(`../../../test-images/${file}`, import.meta.url));

async function imageVmdk(name: string): Promise<string> {
  const builder = (await import(testImages('build.mjs'))) as {
    ensureImage(name: string, options?: { log?: (line: string) => void }): Promise<{ files: { vmdk?: string } }>;
  };
  const image = await builder.ensureImage(name, { log: () => undefined });
  if (!image.files.vmdk) throw new Error(`${name} has no VMDK`);
  return image.files.vmdk;
}

async function openPartitions(image: string, format: string): Promise<PartitionFiles> {
  const reader = (await import(testImages('partition-files.mjs'))) as { openPartitions(image: string, format: string): Promise<PartitionFiles> };
  return reader.openPartitions(image, format);
}

/** A qcow2 overlay on the image's VMDK, and an appliance with the guest mounted. */
async function openGuest(name: string): Promise<{ dir: string; vmdk: string; overlay: string; appliance: GuestfsAppliance; inspection: OsInspection }> {
  const vmdk = await imageVmdk(name);
  const dir = await mkdtemp(join(tmpdir(), `hyper2kvm-${name}-`));
  const overlay = join(dir, 'overlay.qcow2');
  await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'vmdk', '-b', vmdk, overlay]);
  const appliance = await GuestfsAppliance.launch({ disks: [{ path: overlay, format: 'qcow2' }] });
  const inspection = await appliance.inspectOs();
  if (!inspection) throw new Error(`libguestfs found no OS on ${name}`);
  await appliance.mountGuest(inspection);
  return { dir, vmdk, overlay, appliance, inspection };
}

describe('windows-2022 (UEFI): the ESP beside C:', () => {
  let guest: Awaited<ReturnType<typeof openGuest>>;
  let overlayAfter: PartitionFiles;
  let source: PartitionFiles;
  const written = Buffer.from('MZ fallback loader written through the reserved ESP path\n');
  let refusals: unknown[];
  let cDriveHasPrefix: boolean;

  beforeAll(async () => {
    guest = await openGuest('windows-2022');
    const { appliance } = guest;
    await appliance.writeFile(`${WINDOWS_ESP_ROOT}/EFI/Boot/written-by-test.efi`, written);
    cDriveHasPrefix = await appliance.exists('/.hyper2kvm');
    refusals = await Promise.all([
      appliance.remove(WINDOWS_ESP_ROOT).catch((error: unknown) => error),
      appliance.rename(WINDOWS_ESP_ROOT, '/esp').catch((error: unknown) => error),
      appliance.command(['cmd.exe', '/c', 'ver']).catch((error: unknown) => error),
    ]);
  }, LAUNCH_TIMEOUT_MS);

  afterAll(async () => {
    await source?.close();
    await overlayAfter?.close();
    if (guest) await rm(guest.dir, { recursive: true, force: true });
  });

  it('mounts C: as / and the ESP under the reserved path', () => {
    const { appliance, inspection } = guest;
    expect(inspection.mountpoints).toEqual([{ mountpoint: '/', device: '/dev/sda3' }]);
    expect(appliance.bootVolumes).toEqual([{ kind: 'esp', device: '/dev/sda1', root: WINDOWS_ESP_ROOT }]);
    expect(appliance.mountedPaths).toEqual(['/', WINDOWS_ESP_ROOT]);
  });

  it('maps reads, listings, globs and case-insensitive lookups onto the right volume', async () => {
    const { appliance } = guest;
    expect(await appliance.readdir(`${WINDOWS_ESP_ROOT}/EFI`)).toEqual(['Boot', 'Microsoft']);
    expect(await appliance.resolveCaseInsensitive(`${WINDOWS_ESP_ROOT}/efi/microsoft/boot/bcd`)).toBe(`${WINDOWS_ESP_ROOT}/EFI/Microsoft/Boot/BCD`);
    expect(await appliance.glob(`${WINDOWS_ESP_ROOT}/EFI/Microsoft/Boot/*.efi`)).toEqual([
      `${WINDOWS_ESP_ROOT}/EFI/Microsoft/Boot/bootmgfw.efi`,
      `${WINDOWS_ESP_ROOT}/EFI/Microsoft/Boot/bootmgr.efi`,
    ]);
    expect(await appliance.stat(WINDOWS_ESP_ROOT)).toMatchObject({ type: 'directory' });
    expect((await appliance.readFile(`${WINDOWS_ESP_ROOT}/EFI/Microsoft/Boot/BCD`)).subarray(0, 4).toString('latin1')).toBe('regf');
    // C: is still the guest's root.
    expect(await appliance.resolveCaseInsensitive('/windows/system32/config/system')).toBe('/Windows/System32/config/SYSTEM');
    expect(await appliance.glob('/Windows/System32/config/S*')).toEqual(['/Windows/System32/config/SOFTWARE', '/Windows/System32/config/SYSTEM']);
    expect(await appliance.exists('/EFI')).toBe(false);
  });

  it('refuses to remove or rename the volume root and to run commands', () => {
    expect(refusals.map((error) => [error instanceof GuestFsError, (error as GuestFsError).code])).toEqual([
      [true, 'GUEST_PATH_INVALID'],
      [true, 'GUEST_PATH_INVALID'],
      [true, 'GUEST_COMMAND_UNSUPPORTED'],
    ]);
  });

  it('wrote to the ESP and created nothing on C: (read from the overlay with mtools and ntfs-3g)', async () => {
    await guest.appliance.close();
    overlayAfter = await openPartitions(guest.overlay, 'qcow2');
    source = await openPartitions(guest.vmdk, 'vmdk');
    expect(await overlayAfter.readFile(1, 'vfat', '/EFI/Boot/written-by-test.efi')).toEqual(written);
    expect(cDriveHasPrefix).toBe(false);
    expect(await overlayAfter.readdir(3, 'ntfs', '/')).toEqual(await source.readdir(3, 'ntfs', '/'));
    expect(await source.readFile(1, 'vfat', '/EFI/Boot/written-by-test.efi')).toBeNull();
  });
});

describe('windows-10-hibernated (BIOS): the System Reserved partition beside C:', () => {
  let guest: Awaited<ReturnType<typeof openGuest>>;
  let source: PartitionFiles;

  beforeAll(async () => {
    guest = await openGuest('windows-10-hibernated');
    source = await openPartitions(guest.vmdk, 'vmdk');
  }, LAUNCH_TIMEOUT_MS);

  afterAll(async () => {
    await guest?.appliance.close();
    await source?.close();
    if (guest) await rm(guest.dir, { recursive: true, force: true });
  });

  it('mounts the active NTFS partition holding \\bootmgr and \\Boot\\BCD under the reserved path', () => {
    expect(guest.inspection.mountpoints).toEqual([{ mountpoint: '/', device: '/dev/sda2' }]);
    expect(guest.appliance.bootVolumes).toEqual([{ kind: 'system-reserved', device: '/dev/sda1', root: WINDOWS_SYSTEM_RESERVED_ROOT }]);
  });

  it('reads the BCD store byte for byte as ntfs-3g reads it from the source', async () => {
    const bcd = await guest.appliance.readFile(`${WINDOWS_SYSTEM_RESERVED_ROOT}/Boot/BCD`);
    expect(bcd).toEqual(await source.readFile(1, 'ntfs', '/Boot/BCD'));
    expect(await guest.appliance.exists(`${WINDOWS_SYSTEM_RESERVED_ROOT}/bootmgr`)).toBe(true);
    expect(await guest.appliance.exists('/Boot/BCD')).toBe(false);
    expect(await guest.appliance.exists('/hiberfil.sys')).toBe(true);
  });
});
