/**
 * Opens exported disks: probe and describe them (@hyper2kvm/disk), put a
 * qcow2 overlay in front of each so the source is never written, and launch
 * ONE libguestfs appliance with all of them for the whole run.
 */
import { join } from 'node:path';
import { BlockedError, GuestFsError, InputError, formatBytes, timed, type Hyper2kvmError, type OsHints, type SourceIntegrity } from '@hyper2kvm/core';
import { createOverlays, openSource, translateQemuError } from '@hyper2kvm/disk';
import { GuestfsAppliance, GuestRegistry } from '@hyper2kvm/guestfs';
import { missingDisksProblem } from './missing-disks-problem.js';
import type { OpenVmOptions, VmSession } from './vm-session.js';

/** Exports whose listed files total less than this are verified before the appliance starts, not beside it. */
const CHECK_BEFORE_LAUNCH_BYTES = 64 * 1024 * 1024;

export async function openDiskVm(paths: string[], options: OpenVmOptions): Promise<VmSession> {
  const timings: Record<string, number> = {};
  const step = <T>(name: string, run: () => Promise<T>): Promise<T> => timed(timings, name, run);
  const source = await step('source', () =>
    openSource(paths, { scratchDir: join(options.workDir, 'source'), ...(options.verifyChecksums === undefined ? {} : { verifyChecksums: options.verifyChecksums }), ...(options.onProgress ? { onProgress: options.onProgress } : {}) }),
  );
  const vm = source.vm;
  let appliance: GuestfsAppliance | undefined;
  let registry: GuestRegistry | undefined;
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    try {
      await registry?.close();
    } finally {
      await appliance?.close();
    }
  };
  const close = async (): Promise<void> => {
    try {
      await release();
    } finally {
      await source.dispose();
    }
  };
  // Verification reads the export while the appliance starts: the two overlap.
  const verifyStarted = performance.now();
  if (source.integrity.bytesToRead > 0) options.logger.info(`verifying the export's checksums (${formatBytes(source.integrity.bytesToRead)}) while the appliance starts`);
  const verified: Promise<SourceIntegrity> = source.integrity.verify().finally(() => {
    timings['verifyChecksums'] = Math.round(performance.now() - verifyStarted);
  });
  verified.catch(() => undefined); // the caller awaits it; meanwhile a failure must not be unhandled
  try {
    // Small files are checked in a blink: refuse a damaged export before paying for the appliance.
    if (source.integrity.bytesToRead <= CHECK_BEFORE_LAUNCH_BYTES) await verified;
    const overlays = await step('overlays', () => createOverlays(vm, options.workDir));
    options.onDisksReady?.(vm);
    options.logger.info(`launching the appliance with ${overlays.length} disk(s)`);
    const launched = await step('launch', () =>
      GuestfsAppliance.launch({
        disks: overlays.map((overlay) => ({ path: overlay.overlayPath, format: 'qcow2' })),
        accel: options.accel ?? 'auto',
        logger: options.logger,
      }).catch((error: unknown) => {
        // qemu's complaint about a source disk (a lock, a pending log) reaches us through libguestfs: say it about the file.
        const reason = error instanceof Error ? translateQemuError(error.message) : undefined;
        throw reason === undefined ? error : new InputError(paths.join(', '), reason, { cause: error, code: 'SOURCE_UNREADABLE' });
      }),
    );
    appliance = launched;
    const inspection = await step('osInspection', () => launched.inspectOs());
    if (!inspection) {
      const problem = await noOperatingSystem(launched, paths);
      // A damaged export explains a missing OS better than the OS check does.
      await verified;
      throw problem;
    }
    if (inspection.otherRoots.length > 0) options.logger.warn(`several operating systems found; using the one on ${inspection.root}`);
    const type = inspection.type === 'linux' || inspection.type === 'windows' ? inspection.type : 'unknown';
    // Windows: libguestfs inspection reports only the system volume; the ESP
    // (looked into before mounting) tells UEFI from BIOS, and mountGuest shows
    // the boot volume (ESP or System Reserved) beside C: (see bootVolumeHints).
    const windowsFirmware = type === 'windows' ? await step('esp', () => windowsFirmwareOf(launched)) : undefined;
    await step('mount', () => launched.mountGuest(inspection)).catch((error: unknown) => {
      // Name the source: a guest device (/dev/sda1) alone does not say which VM.
      if (error instanceof GuestFsError && error.code === 'ROOT_READ_ONLY') throw new InputError(paths.join(', '), error.message, { code: 'ROOT_READ_ONLY', cause: error });
      throw error;
    });
    if (type === 'windows') {
      registry = new GuestRegistry(launched, { systemRoot: inspection.windowsSystemRoot ?? '/Windows', workDir: options.workDir });
    }
    return {
      guest: launched,
      vm,
      source: { container: source.container, integrity: source.integrity.summary, findings: source.findings },
      verified,
      hints: {
        type,
        arch: inspection.arch,
        ...(inspection.productName && inspection.productName !== 'unknown' ? { productName: inspection.productName } : {}),
        ...(inspection.hostname && inspection.hostname !== 'unknown' ? { hostname: inspection.hostname } : {}),
        ...(windowsFirmware ? { firmware: windowsFirmware } : {}),
        ...(inspection.windowsSystemRoot ? { windowsSystemRoot: inspection.windowsSystemRoot } : {}),
        ...bootVolumeHints(launched),
      },
      ...(registry ? { registry } : {}),
      overlays: overlays.map((overlay) => ({ path: overlay.overlayPath, virtualSize: overlay.disk.virtualSize })),
      applianceLaunches: 1,
      timings,
      release: async () => {
        if (released) return;
        await launched.fstrim().catch((error: unknown) => options.logger.debug({ err: error }, 'fstrim failed'));
        await step('shutdown', release);
      },
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** Where the appliance shows a Windows guest's ESP or System Reserved volume (mounted beside C:). */
function bootVolumeHints(appliance: GuestfsAppliance): Pick<OsHints, 'windowsEspRoot' | 'windowsBootVolumeRoot'> {
  const esp = appliance.bootVolumes.find((volume) => volume.kind === 'esp');
  const reserved = appliance.bootVolumes.find((volume) => volume.kind === 'system-reserved');
  return { ...(esp ? { windowsEspRoot: esp.root } : {}), ...(reserved ? { windowsBootVolumeRoot: reserved.root } : {}) };
}

/**
 * Why inspection found no operating system: a volume group missing physical
 * volumes means disks of the VM were left out (a root LV spanning them has
 * nothing to read), an encrypted root blocks the run (nothing can be
 * repaired without its key), anything else is a bad source.
 */
async function noOperatingSystem(appliance: GuestfsAppliance, paths: string[]): Promise<Hyper2kvmError> {
  const files = paths.join(', ');
  const incomplete = await appliance.incompleteVolumeGroups();
  if (incomplete.length > 0) return new InputError(files, missingDisksProblem(incomplete), { code: 'LVM_PV_MISSING' });
  const encrypted = await appliance.luksVolumes();
  if (encrypted.length > 0) {
    const volumes = `LUKS volume${encrypted.length > 1 ? 's' : ''} ${encrypted.join(', ')}`;
    return new BlockedError(
      `${files}: encrypted-root-no-key: the root file system is on ${volumes} and no key was given; hyper2kvm cannot repair an encrypted root offline without its key (decrypt the volume first), nothing was written`,
    );
  }
  return new InputError(files, 'no operating system found on the disks (no recognisable root file system)', { code: 'NO_ROOT' });
}

/** UEFI when an EFI system partition holds the Windows boot manager's BCD store, BIOS otherwise. */
async function windowsFirmwareOf(appliance: GuestfsAppliance): Promise<'uefi' | 'bios'> {
  const esps = await appliance.efiSystemPartitions();
  return esps.some((esp) => esp.windowsBcd !== undefined) ? 'uefi' : 'bios';
}
