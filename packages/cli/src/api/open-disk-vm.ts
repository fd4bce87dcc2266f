/**
 * Opens exported disks: probe and describe them (@hyper2kvm/disk), put a
 * qcow2 overlay in front of each so the source is never written, and launch
 * ONE libguestfs appliance with all of them for the whole run.
 */
import { join } from 'node:path';
import { Hyper2kvmError, InputError, formatBytes, timed, type SourceIntegrity } from '@hyper2kvm/core';
import { createOverlays, openSource, translateQemuError } from '@hyper2kvm/disk';
import { applianceVcpus, GuestfsAppliance, GuestfsCallError, NO_USABLE_OS, openInspectedGuest, type GuestRegistry } from '@hyper2kvm/guestfs';
import type { OpenVmOptions, VmSession } from './vm-session.js';

/** What to do when the appliance does not start and the source is not to blame. */
const LAUNCH_FAILED_HINT = 'run `hyper2kvm doctor` to see what this host lacks (libguestfs-test-tool shows the appliance boot)';

/** Exports whose listed files total less than this are verified before the appliance starts, not beside it. */
const CHECK_BEFORE_LAUNCH_BYTES = 64 * 1024 * 1024;

export async function openDiskVm(paths: string[], options: OpenVmOptions): Promise<VmSession> {
  const timings: Record<string, number> = {};
  const step = <T>(name: string, run: () => Promise<T>): Promise<T> => timed(timings, name, run);
  const source = await step('source', () =>
    openSource(paths, {
      scratchDir: join(options.workDir, 'source'),
      ...(options.verifyChecksums === undefined ? {} : { verifyChecksums: options.verifyChecksums }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    }),
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
  if (source.integrity.bytesToRead > 0)
    options.logger.info(`verifying the export's checksums (${formatBytes(source.integrity.bytesToRead)}) while the appliance starts`);
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
    const progress = options.onProgress ?? ((): void => undefined);
    progress({ step: 'launch', message: 'starting the libguestfs appliance' });
    const launched = await step('launch', () =>
      GuestfsAppliance.launch({
        disks: overlays.map((overlay) => ({ path: overlay.overlayPath, format: 'qcow2' })),
        accel: options.accel ?? 'auto',
        vcpus: applianceVcpus(options.appliance?.vcpus ?? 'auto'),
        ...(options.appliance ? { memoryMiB: options.appliance.memoryMiB } : {}),
        logger: options.logger,
        onAccelerator: ({ accel, reason }) => progress({ step: 'launch', message: `libguestfs appliance under ${accel.toUpperCase()} (${reason})` }),
      }).catch((error: unknown) => {
        // qemu's complaint about a source disk (a lock, a pending log) reaches us through libguestfs: say it about the file.
        const reason = error instanceof Error ? translateQemuError(error.message) : undefined;
        if (reason !== undefined) throw new InputError(paths.join(', '), reason, { cause: error, code: 'SOURCE_UNREADABLE' });
        // Otherwise the host is the suspect: the doctor says what it lacks.
        if (error instanceof GuestfsCallError && error.call === 'guestfs_launch')
          throw new Hyper2kvmError(error.code, error.message, { cause: error, hint: LAUNCH_FAILED_HINT });
        throw error;
      }),
    );
    appliance = launched;
    progress({ step: 'inspect', message: `reading the guest (appliance up in ${(launched.launchMs / 1000).toFixed(1)} s)` });
    const opened = await openInspectedGuest(launched, {
      source: paths.join(', '),
      workDir: options.workDir,
      step,
      onSeveralRoots: (used) => options.logger.warn(`several operating systems found; using the one on ${used}`),
      ...(options.luksKeys ? { luksKeys: options.luksKeys } : {}),
    }).catch(async (error: unknown) => {
      // A damaged export explains a missing OS better than the OS check does.
      if (error instanceof Hyper2kvmError && NO_USABLE_OS.has(error.code)) await verified;
      throw error;
    });
    registry = opened.registry;
    return {
      guest: launched,
      vm,
      source: { container: source.container, integrity: source.integrity.summary, findings: source.findings },
      verified,
      hints: opened.hints,
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
