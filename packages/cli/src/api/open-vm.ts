/**
 * Opens the VM a user named: a guest root folder (directory adapter) or the
 * exported disks (read-only behind qcow2 overlays, one libguestfs appliance).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError, type GuestFs, type Logger, type OsHints, type RegistryReader, type RegistryWriter, type VmDescription } from '@hyper2kvm/core';
import { DirectoryGuest } from '@hyper2kvm/guestfs';

export interface VmSession {
  guest: GuestFs;
  /** What the export describes (OVF/VMX/disks); absent for a guest folder. */
  vm?: VmDescription;
  hints: OsHints;
  /** The guest's registry (Windows guests on disks): read by inspect and plan, written by fix. */
  registry?: RegistryReader & RegistryWriter;
  /** Overlays holding the repairs, one per source disk, in disk order. */
  overlays: { path: string; virtualSize: number }[];
  /** Appliance launches this session made (1 for disks, 0 for a folder). */
  applianceLaunches: number;
  /** Wall time per step, in milliseconds. */
  timings: Record<string, number>;
  /** Hands disks back to the host before conversion (sync, trim, shut the appliance). */
  release(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenVmOptions {
  /** Scratch folder for overlays. */
  workDir: string;
  accel?: 'auto' | 'kvm' | 'tcg';
  logger: Logger;
  /**
   * Called once the source disks are known and their overlays exist, before
   * the appliance starts: work that only reads the source (the bulk copy of
   * the conversion) can start here and overlap the repair.
   */
  onDisksReady?: (vm: VmDescription) => void;
}

export async function openVm(sources: string[], options: OpenVmOptions): Promise<VmSession> {
  if (sources.length === 0) throw new InputError('(no source)', 'name the exported VM: a folder holding a guest root, or its disk, OVA, OVF or VMX files');
  const paths = sources.map((source) => resolve(source));
  const kinds = await Promise.all(
    paths.map(async (path) => {
      try {
        return (await stat(path)).isDirectory() ? 'directory' : 'file';
      } catch {
        throw new InputError(path, 'no such file or directory');
      }
    }),
  );
  if (kinds.includes('directory')) {
    if (paths.length !== 1) throw new InputError(paths.join(', '), 'a guest folder must be the only source');
    const root = paths[0]!;
    const guest = new DirectoryGuest(root);
    return { guest, hints: {}, overlays: [], applianceLaunches: 0, timings: {}, release: async () => undefined, close: async () => undefined };
  }
  const { openDiskVm } = await import('./open-disk-vm.js');
  return openDiskVm(paths, options);
}
