/**
 * Opens the VM a user named: the export (read-only behind qcow2 overlays,
 * one libguestfs appliance), or, only when asked with `dir:` (or
 * `--guest-root`), a guest root folder on the host, repaired in place by
 * the directory adapter.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '@hyper2kvm/core';
import { DirectoryGuest } from '@hyper2kvm/guestfs';
import { openDiskVm } from './open-disk-vm.js';
import { GUEST_ROOT_PREFIX, type OpenVmOptions, type VmSession } from './vm-session.js';

export { GUEST_ROOT_PREFIX, type OpenVmOptions, type SourceSummary, type VmSession } from './vm-session.js';

export async function openVm(sources: string[], options: OpenVmOptions): Promise<VmSession> {
  if (sources.length === 0) throw new InputError('(no source)', 'name the exported VM: its OVA, OVF, VMX, a folder holding one, or its disk files');
  const roots = sources.filter((source) => source.startsWith(GUEST_ROOT_PREFIX));
  if (roots.length === 0) {
    return openDiskVm(
      sources.map((source) => resolve(source)),
      options,
    );
  }
  if (sources.length !== 1) throw new InputError(sources.join(', '), 'a guest root folder (dir:) must be the only source');
  const root = resolve(sources[0]!.slice(GUEST_ROOT_PREFIX.length));
  const isFolder = await stat(root).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isFolder) throw new InputError(root, 'is not a folder (dir: names a folder holding a guest root file system)');
  const guest = new DirectoryGuest(root);
  return {
    guest,
    hints: {},
    overlays: [],
    applianceLaunches: 0,
    timings: {},
    verified: Promise.resolve(undefined),
    release: async () => undefined,
    close: async () => undefined,
  };
}
