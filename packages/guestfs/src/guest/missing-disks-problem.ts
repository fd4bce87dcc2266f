/** The one-line problem of a source that lacks disks its LVM volume groups span. */
import type { IncompleteVolumeGroup } from '../libguestfs/lvm-volume-groups.js';

/**
 * `LVM volume group rhel has 2 physical volumes but only 1 is on the disks
 * given; give every disk of the VM (or its .vmx/.ovf)`: one clause per
 * incomplete group, then what to do. The caller prefixes the files given.
 */
export function missingDisksProblem(groups: readonly IncompleteVolumeGroup[]): string {
  const clauses = groups.map(
    ({ name, physicalVolumes, present }) =>
      `LVM volume group ${name} has ${physicalVolumes} physical volumes but only ${present} ${present === 1 ? 'is' : 'are'} on the disks given`,
  );
  return [...clauses, 'give every disk of the VM (or its .vmx/.ovf)'].join('; ');
}
