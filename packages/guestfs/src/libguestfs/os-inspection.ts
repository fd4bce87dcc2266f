/**
 * libguestfs inspection of the guest's operating system, and the two looks
 * that explain a guest where inspection finds none: LUKS volumes (an
 * encrypted root) and LVM volume groups missing physical volumes (disks left
 * out).
 */
import type { ApplianceLogger } from './appliance-files.js';
import { btrfsDeviceNames, translatedBtrfsName } from './btrfs-device-names.js';
import { chooseRoot, isBtrfsSubvolume, type RootCandidate, type SkippedRoot } from './choose-root.js';
import type { GuestfsHandle } from './ffi.js';
import { findIncompleteVolumeGroups, type IncompleteVolumeGroup } from './lvm-volume-groups.js';
import { pairs } from './flat-pairs.js';

/** What libguestfs inspection found about the guest's operating system. */
export interface OsInspection {
  /** Device of the root file system, e.g. `/dev/sda1` or `/dev/vg/root`. */
  root: string;
  /** Other operating systems found (multi-boot guests), not used. */
  otherRoots: string[];
  /** btrfs snapshots of the root that inspection also reported as roots, not used (see choose-root.ts). */
  skippedRoots: SkippedRoot[];
  /** `linux`, `windows`, … or `unknown`. */
  type: string;
  /** `ubuntu`, `rhel`, `windows`, … or `unknown`. */
  distro: string;
  productName: string;
  productVariant: string;
  majorVersion: number;
  minorVersion: number;
  arch: string;
  hostname: string;
  packageFormat: string;
  packageManagement: string;
  /** Windows only, e.g. `/Windows`. */
  windowsSystemRoot?: string;
  /** Windows only, e.g. `ControlSet001`. */
  windowsCurrentControlSet?: string;
  /** Windows only: drive letter (`C`) → device. */
  driveMappings?: Record<string, string>;
  /** Mount points the guest declares (fstab, or `/` for Windows), sorted so parents come first. */
  mountpoints: { mountpoint: string; device: string }[];
  /** Every file system that belongs to this OS. */
  filesystems: string[];
}

/**
 * Runs libguestfs inspection. Returns `null` when no operating system is
 * found. When several are found, the first is used (and logged), except that
 * btrfs snapshots of the root are skipped and the subvolume the guest mounts
 * at `/` is chosen (see {@link chooseRoot}).
 */
export async function inspectOs(h: GuestfsHandle, logger: ApplianceLogger | undefined): Promise<OsInspection | null> {
  const found = await h.call('guestfs_inspect_os', [], 'inspect the guest');
  // Inspection keys its answers on the names it gave; everything else (mounting, the facts) takes the translated ones.
  const btrfsNames = found.some(isBtrfsSubvolume)
    ? btrfsDeviceNames(pairs(await h.call('guestfs_list_filesystems', [])).map(({ mountpoint, device }) => ({ device: mountpoint, type: device })))
    : new Map<string, string>();
  const inspectionName = new Map(found.map((name) => [translatedBtrfsName(name, btrfsNames), name]));
  const choice = chooseRoot(await rootCandidates(h, [...inspectionName], logger));
  if (choice === null) return null;
  const { root, otherRoots, skippedRoots } = choice;
  const inspected = inspectionName.get(root) ?? root;
  for (const skipped of skippedRoots) logger?.info({ root: skipped.root, reason: skipped.reason, used: root }, 'btrfs snapshot skipped as root');
  if (otherRoots.length > 0) {
    logger?.info({ root, otherRoots }, `several operating systems found; using the one on ${root}`);
  }
  const text = async (name: Parameters<GuestfsHandle['call']>[0]): Promise<string> => String(await h.call(name, [inspected]));
  const type = await text('guestfs_inspect_get_type');
  const inspection: OsInspection = {
    root,
    otherRoots,
    skippedRoots,
    type,
    distro: await text('guestfs_inspect_get_distro'),
    productName: await text('guestfs_inspect_get_product_name'),
    productVariant: await text('guestfs_inspect_get_product_variant'),
    majorVersion: await h.call('guestfs_inspect_get_major_version', [inspected]),
    minorVersion: await h.call('guestfs_inspect_get_minor_version', [inspected]),
    arch: await text('guestfs_inspect_get_arch'),
    hostname: await text('guestfs_inspect_get_hostname'),
    packageFormat: await text('guestfs_inspect_get_package_format'),
    packageManagement: await text('guestfs_inspect_get_package_management'),
    // Already translated: libguestfs resolves fstab's names itself.
    mountpoints: sortMountpoints(pairs(await h.call('guestfs_inspect_get_mountpoints', [inspected]))),
    filesystems: (await h.call('guestfs_inspect_get_filesystems', [inspected])).map((name) => translatedBtrfsName(name, btrfsNames)),
  };
  if (type === 'windows') {
    inspection.windowsSystemRoot = await text('guestfs_inspect_get_windows_systemroot');
    inspection.windowsCurrentControlSet = await text('guestfs_inspect_get_windows_current_control_set');
    const mappings = pairs(await h.call('guestfs_inspect_get_drive_mappings', [inspected]));
    inspection.driveMappings = Object.fromEntries(mappings.map(({ mountpoint, device }) => [mountpoint, device]));
  }
  return inspection;
}

/**
 * What {@link chooseRoot} needs about each root. Without btrfs subvolume
 * roots, nothing is looked up (the first root is used). Otherwise each root's
 * fstab `/` device (libguestfs resolves `subvol=@` to `btrfsvol:DEV/@`) and,
 * for subvolumes, their read-only flag and whether each is the default
 * subvolume (each mounted read-only at `/` for a moment, so this runs before
 * the guest is mounted). A subvolume whose flags cannot be read is judged
 * by its fstab alone.
 */
async function rootCandidates(h: GuestfsHandle, roots: [string, string][], logger: ApplianceLogger | undefined): Promise<RootCandidate[]> {
  if (!roots.some(([root]) => isBtrfsSubvolume(root))) return roots.map(([root]) => ({ root }));
  const candidates: RootCandidate[] = [];
  for (const [root, inspected] of roots) {
    const mountpoints = pairs(await h.call('guestfs_inspect_get_mountpoints', [inspected], `read the mount points of ${root}`));
    const fstabRoot = mountpoints.find((entry) => entry.mountpoint === '/')?.device;
    const candidate: RootCandidate = { root, ...(fstabRoot === undefined ? {} : { fstabRoot }) };
    if (isBtrfsSubvolume(root)) Object.assign(candidate, await btrfsSubvolumeFlags(h, root, logger));
    candidates.push(candidate);
  }
  return candidates;
}

/** The read-only flag of a btrfs subvolume root, and whether it is its file system's default subvolume. */
async function btrfsSubvolumeFlags(
  h: GuestfsHandle,
  subvolume: string,
  logger: ApplianceLogger | undefined,
): Promise<Pick<RootCandidate, 'readOnly' | 'isDefault'>> {
  try {
    await h.call('guestfs_mount_ro', [subvolume, '/'], `mount ${subvolume} read-only`);
  } catch (error) {
    logger?.debug({ subvolume, error: String(error) }, 'btrfs subvolume flags not read');
    return {};
  }
  try {
    const shown = pairs(await h.call('guestfs_btrfs_subvolume_show', ['/'], `show the btrfs subvolume ${subvolume}`));
    const field = (name: string): string | undefined => shown.find((entry) => entry.mountpoint === name)?.device;
    const defaultId = await h.call('guestfs_btrfs_subvolume_get_default', ['/'], `read the default subvolume of ${subvolume}`);
    return {
      readOnly: /\breadonly\b/.test(field('Flags') ?? ''),
      isDefault: Number(field('Subvolume ID')) === defaultId,
    };
  } catch (error) {
    logger?.debug({ subvolume, error: String(error) }, 'btrfs subvolume flags not read');
    return {};
  } finally {
    await h.call('guestfs_umount', ['/'], `unmount ${subvolume}`);
  }
}

/**
 * Disks and partitions that hold a LUKS volume, e.g. `/dev/sda2`.
 * Inspection and the file-system listing skip them: without the key,
 * nothing inside (a root file system, LVM) is visible. Used to tell an
 * encrypted root from a disk with no operating system at all.
 */
export async function luksVolumes(h: GuestfsHandle, logger: ApplianceLogger | undefined): Promise<string[]> {
  const devices = await h.call('guestfs_list_devices', [], 'list disks');
  const partitions = await h.call('guestfs_list_partitions', [], 'list partitions');
  const found: string[] = [];
  for (const device of [...devices, ...partitions]) {
    try {
      if ((await h.call('guestfs_vfs_type', [device])) === 'crypto_LUKS') found.push(device);
    } catch (error) {
      // A disk with a partition table, or nothing blkid knows: not LUKS.
      logger?.debug({ device, error: String(error) }, 'no file system type');
    }
  }
  return found;
}

/**
 * LVM volume groups whose metadata lists physical volumes that are on none
 * of the attached disks: the VM has more disks than were given. The
 * appliance still shows such a group (and activates what it can of it), so
 * its LVs exist but a root spanning the missing PV has no file system
 * inspection can read. Used to tell a missing disk from a disk with no
 * operating system at all.
 */
export async function incompleteVolumeGroups(h: GuestfsHandle): Promise<IncompleteVolumeGroup[]> {
  const pvs = await h.call('guestfs_pvs', [], 'list LVM physical volumes');
  const presentPvUuids: string[] = [];
  for (const pv of pvs) presentPvUuids.push(await h.call('guestfs_pvuuid', [pv], `read the UUID of ${pv}`));
  const groups = [];
  for (const name of await h.call('guestfs_vgs', [], 'list LVM volume groups')) {
    groups.push({ name, pvUuids: await h.call('guestfs_vgpvuuids', [name], `list the physical volumes of ${name}`) });
  }
  return findIncompleteVolumeGroups(groups, presentPvUuids);
}

/** Parents before children: by path length, then by name. */
export function sortMountpoints<T extends { mountpoint: string }>(entries: T[]): T[] {
  return [...entries].sort((a, b) => a.mountpoint.length - b.mountpoint.length || a.mountpoint.localeCompare(b.mountpoint));
}
