/**
 * From a launched appliance to a guest ready for a run: inspection, a clear
 * reason when it finds no operating system (disks left out of an LVM volume
 * group, an encrypted root, or nothing at all), the firmware of a Windows
 * guest, the guest mounted (Windows with its boot volume), its registry
 * opened, and the hints core inspection starts from. `migrate` and the
 * plugin test harness open guests the same way through here.
 */
import { BlockedError, GuestFsError, InputError, type ErrorCode, type Hyper2kvmError, type OsHints } from '@hyper2kvm/core';
import type { GuestfsAppliance } from '../libguestfs/appliance.js';
import type { LuksKey } from '../libguestfs/luks-volumes.js';
import type { OsInspection } from '../libguestfs/os-inspection.js';
import { GuestRegistry } from '../registry/guest-registry.js';
import { missingDisksProblem } from './missing-disks-problem.js';

/** The codes of "no usable operating system on these disks" ({@link whyNoOperatingSystem}). */
export const NO_USABLE_OS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['NO_ROOT', 'LVM_PV_MISSING', 'BLOCKED']);

export interface OpenInspectedGuestOptions {
  /** How the source is named in errors (the files the user gave). */
  source: string;
  /** Host folder for the registry's hive copies. */
  workDir: string;
  /** Times each step (`osInspection`, `esp`, `mount`); by default steps are just run. */
  step?: <T>(name: string, run: () => Promise<T>) => Promise<T>;
  /** Told when several operating systems were found (btrfs snapshots of the root aside); `used` is the one used. */
  onSeveralRoots?: (used: string, others: string[]) => void;
  /** Keys for the guest's LUKS volumes (one per device, or one for all). */
  luksKeys?: readonly LuksKey[];
}

export interface InspectedGuest {
  inspection: OsInspection;
  /** What core inspection starts from (type, arch, firmware, boot volumes…). */
  hints: OsHints;
  /** The registry of a Windows guest; the caller closes it. */
  registry?: GuestRegistry;
}

/**
 * Inspects and mounts the guest on `appliance`.
 * @throws {InputError} `LVM_PV_MISSING`, `NO_ROOT` or `ROOT_READ_ONLY` naming the source.
 * @throws {BlockedError} for an encrypted root without its key.
 */
export async function openInspectedGuest(appliance: GuestfsAppliance, options: OpenInspectedGuestOptions): Promise<InspectedGuest> {
  const step = options.step ?? (<T>(_name: string, run: () => Promise<T>): Promise<T> => run());
  const keys = options.luksKeys ?? [];
  const opened = keys.length > 0 ? await step('luks', () => appliance.openLuksVolumes(keys)) : [];
  let inspection = await step('osInspection', () => appliance.inspectOs());
  // Opened under provisional names; the guest's initramfs tools expect its crypttab's names.
  if (inspection && opened.length > 0 && (await step('luks', () => appliance.nameLuksVolumesAsGuest(inspection!.root, opened))))
    inspection = await step('osInspection', () => appliance.inspectOs());
  if (!inspection)
    throw await whyNoOperatingSystem(
      appliance,
      options.source,
      opened.map((volume) => volume.device),
    );
  if (inspection.otherRoots.length > 0) options.onSeveralRoots?.(inspection.root, inspection.otherRoots);
  const type = inspection.type === 'linux' || inspection.type === 'windows' ? inspection.type : 'unknown';
  // Windows: libguestfs inspection reports only the system volume; the ESP
  // (looked into before mounting) tells UEFI from BIOS, and mountGuest shows
  // the boot volume (ESP or System Reserved) beside C: (see bootVolumeHints).
  const firmware = type === 'windows' ? await step('esp', () => windowsFirmwareOf(appliance)) : undefined;
  await step('mount', () => appliance.mountGuest(inspection)).catch((error: unknown) => {
    // Name the source: a guest device (/dev/sda1) alone does not say which VM.
    if (error instanceof GuestFsError && error.code === 'ROOT_READ_ONLY')
      throw new InputError(options.source, error.message, { code: 'ROOT_READ_ONLY', cause: error });
    throw error;
  });
  const registry =
    type === 'windows' ? new GuestRegistry(appliance, { systemRoot: inspection.windowsSystemRoot ?? '/Windows', workDir: options.workDir }) : undefined;
  const hints: OsHints = {
    type,
    arch: inspection.arch,
    ...(inspection.productName && inspection.productName !== 'unknown' ? { productName: inspection.productName } : {}),
    ...(inspection.hostname && inspection.hostname !== 'unknown' ? { hostname: inspection.hostname } : {}),
    root: inspection.root,
    ...(inspection.otherRoots.length > 0 ? { otherRoots: inspection.otherRoots } : {}),
    ...(inspection.skippedRoots.length > 0 ? { skippedRoots: inspection.skippedRoots } : {}),
    ...(firmware ? { firmware } : {}),
    ...(inspection.windowsSystemRoot ? { windowsSystemRoot: inspection.windowsSystemRoot } : {}),
    ...bootVolumeHints(appliance),
  };
  return { inspection, hints, ...(registry ? { registry } : {}) };
}

/** Where the appliance shows a Windows guest's ESP or System Reserved volume (mounted beside C:). */
function bootVolumeHints(appliance: GuestfsAppliance): Pick<OsHints, 'windowsEspRoot' | 'windowsBootVolumeRoot'> {
  const esp = appliance.bootVolumes.find((volume) => volume.kind === 'esp');
  const reserved = appliance.bootVolumes.find((volume) => volume.kind === 'system-reserved');
  return { ...(esp ? { windowsEspRoot: esp.root } : {}), ...(reserved ? { windowsBootVolumeRoot: reserved.root } : {}) };
}

/** UEFI when an EFI system partition holds the Windows boot manager's BCD store, BIOS otherwise. */
async function windowsFirmwareOf(appliance: GuestfsAppliance): Promise<'uefi' | 'bios'> {
  const esps = await appliance.efiSystemPartitions();
  return esps.some((esp) => esp.windowsBcd !== undefined) ? 'uefi' : 'bios';
}

/**
 * Why inspection found no operating system: a volume group missing physical
 * volumes means disks of the VM were left out (a root LV spanning them has
 * nothing to read), an encrypted root blocks the run (nothing can be
 * repaired without its key), anything else is a bad source.
 */
export async function whyNoOperatingSystem(appliance: GuestfsAppliance, source: string, openedLuks: readonly string[] = []): Promise<Hyper2kvmError> {
  const incomplete = await appliance.incompleteVolumeGroups();
  if (incomplete.length > 0) return new InputError(source, missingDisksProblem(incomplete), { code: 'LVM_PV_MISSING' });
  const encrypted = (await appliance.luksVolumes()).filter((device) => !openedLuks.includes(device));
  if (encrypted.length > 0) {
    const volumes = `LUKS volume${encrypted.length > 1 ? 's' : ''} ${encrypted.join(', ')}`;
    return new BlockedError(
      `${source}: encrypted-root-no-key: the root file system is on ${volumes} and no key was given for it; hyper2kvm cannot repair an encrypted root offline without its key (give it with --luks-key FILE or --luks-passphrase-file FILE), nothing was written`,
    );
  }
  return new InputError(source, 'no operating system found on the disks (no recognisable root file system)', { code: 'NO_ROOT' });
}
