/** Which fstab entry mounts each file system of the disks: by device name, UUID, LABEL, PARTUUID and, for btrfs, `subvol=`. */
import type { LinuxFacts } from '../facts.js';
import type { GuestFilesystem } from '../guest/guestfs.js';
import type { FstabEntry } from './fstab.js';

/**
 * Each file system with the mount point fstab gives it, found by how fstab
 * names it. A btrfs file system is listed once for its top level
 * (`/dev/sda2`) and once per subvolume (`btrfsvol:/dev/sda2/@`), all with
 * the same UUID: a subvolume takes the entry whose `subvol=` names it, the
 * top level an entry without `subvol=`/`subvolid=`.
 */
export function withMountpoints(filesystems: GuestFilesystem[], fstab: FstabEntry[]): LinuxFacts['filesystems'] {
  return filesystems.map((fs) => {
    const subvolume = btrfsSubvolumeOf(fs.device, filesystems);
    const device = subvolume?.device ?? fs.device;
    const lvm = /^\/dev\/([^/]+)\/([^/]+)$/.exec(device);
    // An LV the appliance shows as /dev/VG/LV is /dev/mapper/VG-LV in fstab (dashes doubled).
    const mapper = lvm && lvm[1] !== 'disk' && lvm[1] !== 'mapper' ? [`/dev/mapper/${lvm[1]!.replace(/-/g, '--')}-${lvm[2]!.replace(/-/g, '--')}`] : [];
    const names = new Set([
      device,
      ...mapper,
      ...(fs.uuid ? [`UUID=${fs.uuid}`] : []),
      ...(fs.label ? [`LABEL=${fs.label}`] : []),
      ...(fs.partuuid ? [`PARTUUID=${fs.partuuid}`] : []),
    ]);
    const entry = fstab.find(
      (line) =>
        names.has(line.spec.replace(/^(UUID|LABEL|PARTUUID)="(.*)"$/, '$1=$2')) &&
        (fs.type !== 'btrfs' || btrfsSubvolumeOption(line.options) === (subvolume?.path ?? null)),
    );
    return entry ? { ...fs, mountpoint: entry.mountpoint } : fs;
  });
}

/** `btrfsvol:/dev/sda2/@home` → the listed top-level device `/dev/sda2` and the path `@home`; `null` for other names. */
function btrfsSubvolumeOf(name: string, filesystems: GuestFilesystem[]): { device: string; path: string } | null {
  if (!name.startsWith('btrfsvol:')) return null;
  const rest = name.slice('btrfsvol:'.length);
  // The device is a listed top level (it may be /dev/VG/LV); the longest one that prefixes the name.
  const device =
    filesystems
      .map((fs) => fs.device)
      .filter((candidate) => !candidate.startsWith('btrfsvol:') && rest.startsWith(`${candidate}/`))
      .sort((a, b) => b.length - a.length)[0] ?? /^\/dev\/[^/]+/.exec(rest)?.[0];
  if (device === undefined) return null;
  return { device, path: normalSubvolumePath(rest.slice(device.length)) };
}

/** The subvolume an fstab entry mounts (`subvol=/@` and `subvol=@` are `@`), or `null` for the top level (no `subvol=`, `subvol=/`, `subvolid=5`). */
function btrfsSubvolumeOption(options: string): string | null {
  const items = options.split(',');
  const option = items.find((item) => item.startsWith('subvol='));
  if (option === undefined) {
    // subvolid=N names a subvolume by number, which the listing does not show: it matches no path.
    const id = items.find((item) => item.startsWith('subvolid='))?.slice('subvolid='.length);
    return id === undefined || id === '5' ? null : `subvolid=${id}`;
  }
  const path = normalSubvolumePath(option.slice('subvol='.length));
  return path === '' ? null : path;
}

function normalSubvolumePath(path: string): string {
  return path.replace(/\/{2,}/g, '/').replace(/^\/+|\/+$/g, '');
}
