// The ubuntu-2204 guest (same files, see ubuntu-2204.mjs) installed on btrfs
// as Ubuntu's installer lays it out: BIOS on GPT (a BIOS boot partition on
// /dev/sda1), one btrfs file system on /dev/sda2 with the root in subvolume
// `@` and /home in `@home` (fstab `subvol=@`, `subvol=@home`; grub.cfg
// `rootflags=subvol=@`, kernels at /@/boot), swap on /dev/sda3. The default
// subvolume stays the top level, as Ubuntu leaves it.
// Traps:
// - a read-only snapper-style snapshot `@snapshots/1/snapshot` of `@`, taken
//   before the hostname was changed (it says `ubuntu-before-upgrade`), with
//   a LOWER subvolume ID than `@` (as after a rollback): libguestfs lists it
//   as the first root, and its fstab (a copy) mounts `@` at /;
// - / by UUID but /home by kernel name (`/dev/sda2`, subvol=@home), and
//   root=/dev/sda2 on the kernel lines: the repair must rename the device
//   and keep `subvol=` and `rootflags=subvol=@`.
// Kernels, modules, initramfs and binaries are PLACEHOLDERS: it never boots.
import ubuntu from './ubuntu-2204.mjs';

const HOSTNAME = 'ubuntu-btrfs';
export const SNAPSHOT_HOSTNAME = 'ubuntu-before-upgrade';
export const BTRFS_UUID = '3c2b1a09-8f7e-4d6c-b5a4-938271605f4e';
const SWAP_UUID = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const { disk, partitions: [root], ...base } = ubuntu;
const ROOT_UUID = root.fs.uuid;

const hosts = (hostname) => base.files['/etc/hosts'].replaceAll('ubuntu-web01', hostname);

/** grub.cfg as grub-mkconfig writes it for a root in subvolume @ (no separate /boot): paths under /@, rootflags=subvol=@. */
const grubCfg = base.files['/boot/grub/grub.cfg'].content
  .replaceAll(ROOT_UUID, BTRFS_UUID)
  .replaceAll('insmod part_msdos', 'insmod part_gpt')
  .replaceAll('insmod ext2', 'insmod btrfs')
  .replaceAll('msdos1', 'gpt2')
  .replaceAll('/boot/vmlinuz', '/@/boot/vmlinuz')
  .replaceAll('/boot/initrd.img', '/@/boot/initrd.img')
  .replaceAll('root=/dev/sda1 ro', 'root=/dev/sda2 ro rootflags=subvol=@');

export default {
  ...base,
  name: 'ubuntu-2204-btrfs',
  kind: 'linux-btrfs',
  description: 'Ubuntu 22.04.3 LTS on VMware on btrfs: / in subvolume @, /home in @home, a read-only snapshot of @ listed before it',
  disk: { ...disk, table: 'gpt', id: 'B7F2C4D1-6A3E-4F58-9C1B-2D7E8A9F0C3B' },
  partitions: [
    { sizeMiB: 1, type: 'bios-boot' },
    {
      sizeMiB: 400,
      type: 'linux',
      fs: {
        type: 'btrfs',
        uuid: BTRFS_UUID,
        // @snapshots first, then @ (made from @.before, after its snapshot): the snapshot's ID is below @'s.
        subvolumes: [{ path: '@snapshots' }, { path: '@', mount: '/' }, { path: '@home', mount: '/home' }],
        snapshots: [
          {
            of: '@',
            path: '@snapshots/1/snapshot',
            readOnly: true,
            files: { '/etc/hostname': `${SNAPSHOT_HOSTNAME}\n`, '/etc/hosts': hosts(SNAPSHOT_HOSTNAME) },
          },
        ],
      },
    },
    { type: 'swap', fs: { type: 'swap', uuid: SWAP_UUID } },
  ],
  dirs: [...base.dirs, '/home/ubuntu'],
  files: {
    ...base.files,
    '/etc/hostname': `${HOSTNAME}\n`,
    '/etc/hosts': hosts(HOSTNAME),
    '/etc/fstab': `# /etc/fstab: static file system information.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
# / was on /dev/sda2 during installation
UUID=${BTRFS_UUID} /               btrfs   defaults,subvol=@ 0       1
# /home was on /dev/sda2 during installation
/dev/sda2       /home           btrfs   defaults,subvol=@home 0       2
/dev/sda3       none            swap    sw              0       0
`,
    '/boot/grub/grub.cfg': { content: grubCfg, mode: 0o444 },
    '/home/ubuntu/.profile': '# ~/.profile: executed by the command interpreter for login shells.\n',
  },
  export: ['vmdk'],
  /** virt-inspector reports libguestfs' FIRST root: the snapshot (that is the trap). */
  expect: {
    os: 'linux', distro: 'ubuntu', product: 'Ubuntu 22.04.3 LTS', major: 22, minor: 4, arch: 'x86_64',
    hostname: SNAPSHOT_HOSTNAME, packageFormat: 'deb',
    mountpoints: { '/': 'btrfsvol:/dev/sda2/@', '/home': 'btrfsvol:/dev/sda2/@home' },
  },
};
