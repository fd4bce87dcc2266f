/**
 * libguestfs inspection of the guest's operating system, and the two looks
 * that explain a guest where inspection finds none: LUKS volumes (an
 * encrypted root) and LVM volume groups missing physical volumes (disks left
 * out).
 */
import type { ApplianceLogger } from './appliance-files.js';
import type { GuestfsHandle } from './ffi.js';
import { findIncompleteVolumeGroups, type IncompleteVolumeGroup } from './lvm-volume-groups.js';
import { pairs } from './flat-pairs.js';

/** What libguestfs inspection found about the guest's operating system. */
export interface OsInspection {
  /** Device of the root file system, e.g. `/dev/sda1` or `/dev/vg/root`. */
  root: string;
  /** Other roots found (multi-boot guests); the first root is the one used. */
  otherRoots: string[];
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
 * found. When several are found, the first root is used (and logged).
 */
export async function inspectOs(h: GuestfsHandle, logger: ApplianceLogger | undefined): Promise<OsInspection | null> {
  const roots = await h.call('guestfs_inspect_os', [], 'inspect the guest');
  const [root, ...otherRoots] = roots;
  if (root === undefined) return null;
  if (otherRoots.length > 0) {
    logger?.info({ root, otherRoots }, 'several operating systems found; using the first');
  }
  const text = async (name: Parameters<GuestfsHandle['call']>[0]): Promise<string> => String(await h.call(name, [root]));
  const type = await text('guestfs_inspect_get_type');
  const inspection: OsInspection = {
    root,
    otherRoots,
    type,
    distro: await text('guestfs_inspect_get_distro'),
    productName: await text('guestfs_inspect_get_product_name'),
    productVariant: await text('guestfs_inspect_get_product_variant'),
    majorVersion: await h.call('guestfs_inspect_get_major_version', [root]),
    minorVersion: await h.call('guestfs_inspect_get_minor_version', [root]),
    arch: await text('guestfs_inspect_get_arch'),
    hostname: await text('guestfs_inspect_get_hostname'),
    packageFormat: await text('guestfs_inspect_get_package_format'),
    packageManagement: await text('guestfs_inspect_get_package_management'),
    mountpoints: sortMountpoints(pairs(await h.call('guestfs_inspect_get_mountpoints', [root]))),
    filesystems: await h.call('guestfs_inspect_get_filesystems', [root]),
  };
  if (type === 'windows') {
    inspection.windowsSystemRoot = await text('guestfs_inspect_get_windows_systemroot');
    inspection.windowsCurrentControlSet = await text('guestfs_inspect_get_windows_current_control_set');
    const mappings = pairs(await h.call('guestfs_inspect_get_drive_mappings', [root]));
    inspection.driveMappings = Object.fromEntries(mappings.map(({ mountpoint, device }) => [mountpoint, device]));
  }
  return inspection;
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
