import { describe, expect, it } from 'vitest';
import type { GuestFilesystem } from '../guest/guestfs.js';
import { withMountpoints } from './filesystem-mountpoints.js';
import { parseFstab } from './fstab.js';

const UUID = '3c2b1a09-8f7e-4d6c-b5a4-938271605f4e';
/** A btrfs partition as libguestfs lists it: the top level, then each subvolume, all with the file system's UUID. */
const BTRFS: GuestFilesystem[] = [
  '/dev/sda2',
  'btrfsvol:/dev/sda2/@snapshots',
  'btrfsvol:/dev/sda2/@snapshots/1/snapshot',
  'btrfsvol:/dev/sda2/@',
  'btrfsvol:/dev/sda2/@home',
].map((device) => ({ device, type: 'btrfs', uuid: UUID }));

describe('withMountpoints', () => {
  it('gives each btrfs subvolume the mount point whose subvol= names it, and snapshots none', () => {
    const fstab = parseFstab(`UUID=${UUID} / btrfs defaults,subvol=@ 0 0\n/dev/sda2 /home btrfs defaults,subvol=/@home 0 0\n`);
    expect(withMountpoints(BTRFS, fstab).map(({ device, mountpoint }) => [device, mountpoint])).toEqual([
      ['/dev/sda2', undefined],
      ['btrfsvol:/dev/sda2/@snapshots', undefined],
      ['btrfsvol:/dev/sda2/@snapshots/1/snapshot', undefined],
      ['btrfsvol:/dev/sda2/@', '/'],
      ['btrfsvol:/dev/sda2/@home', '/home'],
    ]);
  });

  it('gives the btrfs top level an entry without subvol= (or with subvolid=5)', () => {
    expect(withMountpoints(BTRFS, parseFstab(`UUID=${UUID} /mnt/pool btrfs subvolid=5 0 0\n`))[0]).toMatchObject({ mountpoint: '/mnt/pool' });
    expect(withMountpoints(BTRFS, parseFstab(`UUID=${UUID} / btrfs defaults 0 0\n`)).filter((fs) => fs.mountpoint)).toEqual([
      { device: '/dev/sda2', type: 'btrfs', uuid: UUID, mountpoint: '/' },
    ]);
  });

  it('matches other file systems by device, UUID, LABEL and LVM mapper name as before', () => {
    const filesystems: GuestFilesystem[] = [
      { device: '/dev/sda1', type: 'vfat', uuid: '7A3B-1C2D' },
      { device: '/dev/rhel/root', type: 'xfs', uuid: 'aaaa' },
      { device: '/dev/sda3', type: 'ext4', label: 'data' },
    ];
    const fstab = parseFstab('/dev/mapper/rhel-root / xfs defaults 0 0\nUUID="7A3B-1C2D" /boot/efi vfat umask=0077 0 2\nLABEL=data /srv ext4 defaults 0 2\n');
    expect(withMountpoints(filesystems, fstab).map((fs) => fs.mountpoint)).toEqual(['/boot/efi', '/', '/srv']);
  });
});
