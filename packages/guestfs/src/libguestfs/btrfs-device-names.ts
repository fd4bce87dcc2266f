/**
 * libguestfs 1.48 names btrfs subvolumes by the appliance kernel's device
 * name (`btrfsvol:/dev/sdb2/@`), not the translated name every other call
 * uses (`/dev/sda2`), when the kernel enumerated the appliance's own disk
 * first: then the subvolumes of `/dev/sda2` show as `btrfsvol:/dev/sdb2/…`,
 * and a call given that name reaches no guest device. Pure: `list_filesystems`
 * lists each btrfs device, then its subvolumes under the kernel name, which
 * gives the translation.
 */

/**
 * Kernel device name → libguestfs name, for each btrfs device whose
 * subvolumes `list_filesystems` names differently. `listed` is its answer in
 * order (`device`: the mountable, `type`: the file system type).
 */
export function btrfsDeviceNames(listed: readonly { device: string; type: string }[]): Map<string, string> {
  const names = new Map<string, string>();
  let owner: string | undefined;
  for (const { device, type } of listed) {
    if (!device.startsWith('btrfsvol:')) {
      owner = type === 'btrfs' ? device : undefined;
      continue;
    }
    if (owner === undefined) continue;
    // The kernel name has as many components as the translated one (/dev/sdb2 for /dev/sda2).
    const kernel = device.slice('btrfsvol:'.length).split('/').slice(0, owner.split('/').length).join('/');
    if (kernel !== owner) names.set(kernel, owner);
  }
  return names;
}

/** `btrfsvol:/dev/sdb2/@` → `btrfsvol:/dev/sda2/@` when {@link btrfsDeviceNames} says so; any other name as it is. */
export function translatedBtrfsName(name: string, names: ReadonlyMap<string, string>): string {
  if (!name.startsWith('btrfsvol:')) return name;
  const rest = name.slice('btrfsvol:'.length);
  for (const [kernel, translated] of names) if (rest.startsWith(`${kernel}/`)) return `btrfsvol:${translated}${rest.slice(kernel.length)}`;
  return name;
}
