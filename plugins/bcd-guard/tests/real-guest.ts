/**
 * A Windows test image opened the way `hyper2kvm migrate` opens it: a qcow2
 * overlay in front of the source VMDK, one libguestfs appliance, the guest
 * mounted with its boot volume, the registry read from the real hives; then
 * inspect, plan and fix of given plugins. Afterwards the overlay is read with
 * host tools (mtools, ntfs-3g), not through the appliance.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GuestFacts, Hyper2kvmPlugin, Plan } from '@hyper2kvm/core';
import type { GuestfsAppliance } from '@hyper2kvm/guestfs';
import { openDiskGuest, runPlugins } from '@hyper2kvm/plugin-kit';
import { imageDisks } from '../../../test-images/build.mjs';

/** Files of one partition of a disk image, read with host tools. */
export interface PartitionFiles {
  readFile(partition: number, fs: 'vfat' | 'ntfs', path: string): Promise<Buffer | null>;
  readdir(partition: number, fs: 'vfat' | 'ntfs', path: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface WindowsRun {
  /** The source VMDK and the overlay the run wrote. */
  vmdk: string;
  overlay: string;
  /** Guest paths of the boot volumes the appliance mounted. */
  bootVolumes: GuestfsAppliance['bootVolumes'];
  facts: GuestFacts;
  plan: Plan;
  backupDir: string;
  cleanup(): Promise<void>;
}

const testImages = (file: string): string => fileURLToPath(new URL(`../../../test-images/${file}`, import.meta.url));

/** Reads the partitions of a disk image (a raw copy, removed by close). */
export async function openPartitions(image: string, format: string): Promise<PartitionFiles> {
  const reader = (await import(testImages('partition-files.mjs'))) as { openPartitions(image: string, format: string): Promise<PartitionFiles> };
  return reader.openPartitions(image, format);
}

/**
 * Builds (or reuses) the image, opens it in one appliance, runs inspect, plan
 * and fix of `plugins`, and closes the appliance (the overlay keeps the result).
 */
export async function migrateWindowsImage(name: string, plugins: Hyper2kvmPlugin[]): Promise<WindowsRun> {
  const [vmdk] = await imageDisks(name);
  const guest = await openDiskGuest([vmdk!]);
  try {
    if (guest.hints.type !== 'windows') throw new Error(`no Windows found on ${vmdk}`);
    const backupDir = join(guest.workDir, 'backup');
    const { plan, facts } = await runPlugins(guest, plugins, { backupDir });
    const bootVolumes = [...guest.appliance.bootVolumes];
    await guest.release();
    return { vmdk: vmdk!, overlay: guest.overlays[0]!, bootVolumes, facts, plan, backupDir, cleanup: guest.close };
  } catch (error) {
    await guest.close().catch(() => undefined);
    throw error;
  }
}
