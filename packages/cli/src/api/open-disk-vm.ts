/**
 * Opens exported disks: probe and describe them (@hyper2kvm/disk), put a
 * qcow2 overlay in front of each so the source is never written, and launch
 * ONE libguestfs appliance with all of them for the whole run.
 */
import { InputError, type Logger } from '@hyper2kvm/core';
import { createOverlays, openSource } from '@hyper2kvm/disk';
import { GuestfsAppliance } from '@hyper2kvm/guestfs';
import type { VmSession } from './open-vm.js';

export interface OpenDiskVmOptions {
  workDir: string;
  accel?: 'auto' | 'kvm' | 'tcg';
  logger: Logger;
}

export async function openDiskVm(paths: string[], options: OpenDiskVmOptions): Promise<VmSession> {
  const timings: Record<string, number> = {};
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      timings[name] = Math.round(performance.now() - started);
    }
  };
  const vm = await step('source', () => openSource(paths));
  const overlays = await step('overlays', () => createOverlays(vm, options.workDir));
  options.logger.info(`launching the appliance with ${overlays.length} disk(s)`);
  const appliance = await step('launch', () =>
    GuestfsAppliance.launch({
      disks: overlays.map((overlay) => ({ path: overlay.overlayPath, format: 'qcow2' })),
      accel: options.accel ?? 'auto',
      logger: options.logger,
    }),
  );
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    await appliance.close();
  };
  try {
    const inspection = await step('osInspection', () => appliance.inspectOs());
    if (!inspection) throw new InputError(paths.join(', '), 'no operating system found on the disks (no recognisable root file system)', { code: 'NO_ROOT' });
    if (inspection.otherRoots.length > 0) options.logger.warn(`several operating systems found; using the one on ${inspection.root}`);
    await step('mount', () => appliance.mountGuest(inspection));
    const type = inspection.type === 'linux' || inspection.type === 'windows' ? inspection.type : 'unknown';
    return {
      guest: appliance,
      vm,
      hints: {
        type,
        arch: inspection.arch,
        ...(inspection.productName && inspection.productName !== 'unknown' ? { productName: inspection.productName } : {}),
        ...(inspection.hostname && inspection.hostname !== 'unknown' ? { hostname: inspection.hostname } : {}),
      },
      overlays: overlays.map((overlay) => ({ path: overlay.overlayPath, virtualSize: overlay.disk.virtualSize })),
      applianceLaunches: 1,
      timings,
      release: async () => {
        if (released) return;
        await appliance.fstrim().catch((error: unknown) => options.logger.debug({ err: error }, 'fstrim failed'));
        await step('shutdown', release);
      },
      close: release,
    };
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
}
