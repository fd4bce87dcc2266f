/**
 * Which LVM volume groups miss physical volumes. When only some disks of a
 * VM are attached, LVM still reads a volume group's metadata from the PVs it
 * finds, and that metadata lists every PV of the group by UUID: the PVs not
 * found are on the disks that were left out (the root LV may need them).
 */

/** A volume group some of whose physical volumes are not on the attached disks. */
export interface IncompleteVolumeGroup {
  /** Volume group name, e.g. `rhel`. */
  name: string;
  /** How many physical volumes its metadata lists. */
  physicalVolumes: number;
  /** How many of them are on the attached disks (fewer than `physicalVolumes`). */
  present: number;
}

/** What LVM reports about one volume group: its name and the UUIDs of its PVs (`guestfs_vgpvuuids`). */
export interface VolumeGroupPvs {
  name: string;
  pvUuids: readonly string[];
}

/**
 * The volume groups listing a PV UUID that no attached PV has.
 * @param groups every volume group LVM sees, with the PV UUIDs of its metadata.
 * @param presentPvUuids the UUIDs of the PVs found on the disks (`guestfs_pvuuid` of each of `guestfs_pvs`).
 */
export function findIncompleteVolumeGroups(groups: readonly VolumeGroupPvs[], presentPvUuids: readonly string[]): IncompleteVolumeGroup[] {
  const present = new Set(presentPvUuids.map(normalizeUuid));
  const incomplete: IncompleteVolumeGroup[] = [];
  for (const { name, pvUuids } of groups) {
    const uuids = new Set(pvUuids.map(normalizeUuid));
    const found = [...uuids].filter((uuid) => present.has(uuid)).length;
    if (found < uuids.size) incomplete.push({ name, physicalVolumes: uuids.size, present: found });
  }
  return incomplete;
}

/** LVM prints PV UUIDs with dashes (`EjaTb5-1EtU-…`) in some places and without in others. */
function normalizeUuid(uuid: string): string {
  return uuid.replaceAll('-', '').trim();
}
