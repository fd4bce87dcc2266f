// A REAL, bootable Debian 12 laid out as the Debian installer's "LVM, separate
// partitions" recipes leave a database server on VMware, with the device
// names of an install from years ago: the matrix's LVM / XFS / ifupdown guest.
//
//   /dev/sda1  ext4  /boot          (fstab: /dev/sda1)
//   /dev/sda2  swap                 (fstab: /dev/sda2; resume=/dev/sda2 on the
//                                    kernel command line and RESUME= in initramfs-tools)
//   /dev/sda3  XFS   /var           (fstab: /dev/sda3)
//   /dev/sda4  LVM PV of VG deb12-db01-vg: LV root, XFS, /
//                                   (fstab and root=: /dev/mapper/deb12--db01--vg-root)
//
// The NIC is configured by ifupdown with `allow-hotplug ens192` and a static
// address: ifupdown brings it up from udev's hotplug event, by the name the
// NIC has by then, so a virtio NIC that comes up as ens3 is never configured.
// No netplan, no networkd.
//
// Traps: an initramfs without virtio (and root on LVM and XFS, so it needs
// dm-mod, the lvm2 hook and xfs too); /boot, /var and swap by kernel name in
// fstab; the resume device by kernel name (the initramfs waits for it); the
// NIC name ifupdown expects only on VMware's PCI layout.
import { CONSOLE, defaultGrub, grubCfg, MARKER, markerFiles } from './_bootable/debian.mjs';

const MAC = '00:50:56:9c:41:d7';
const HOSTNAME = 'deb12-db01';
const VG = 'deb12-db01-vg';
const ROOT_DEVICE = '/dev/mapper/deb12--db01--vg-root';
const BOOT_UUID = '8a6f2c1e-3b4d-4e5f-9a0b-1c2d3e4f5a6b';
const SWAP_UUID = '5c7e9a1b-2d3f-4a5b-8c6d-7e8f9a0b1c2d';
const VAR_UUID = '9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a';
const ROOT_UUID = 'b3c4d5e6-f7a8-4b9c-8d0e-1f2a3b4c5d6e';
const CMDLINE = `root=${ROOT_DEVICE} resume=/dev/sda2 ${CONSOLE}`;

const INTERFACES = `# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
allow-hotplug ens192
iface ens192 inet static
	address 10.0.2.15/24
	gateway 10.0.2.2
	# dns-* options are implemented by the resolvconf package, if installed
	dns-nameservers 10.0.2.3
	dns-search corp.example
`;

/** What the booted system really uses: the file systems' sources, the active swap, the command line, fstab's devices. */
const LAYOUT_MARKERS = [
  `echo "${MARKER}-root: $(findmnt -no SOURCE /)"`,
  `echo "${MARKER}-var: $(findmnt -no FSTYPE,SOURCE /var)"`,
  `echo "${MARKER}-boot: $(findmnt -no FSTYPE,SOURCE /boot)"`,
  `echo "${MARKER}-swap: $(swapon --noheadings --show=NAME)"`,
  `echo "${MARKER}-cmdline: $(cat /proc/cmdline)"`,
  `echo "${MARKER}-fstab: $(awk '!/^#/ && NF { printf "%s ", $1 }' /etc/fstab)"`,
  `echo "${MARKER}-nic: $(ls /sys/class/net | grep -v '^lo$' | tr '\\n' ' ')"`,
];

export default {
  name: 'debian-12-lvm-xfs',
  kind: 'debootstrap',
  description:
    'Real Debian 12: /boot ext4, swap and XFS /var by /dev/sdaN, XFS root on LVM (VG deb12-db01-vg), resume=/dev/sda2, ifupdown allow-hotplug ens192 10.0.2.15/24',
  firmware: 'bios',
  debootstrap: {
    suite: 'bookworm',
    mirror: 'http://deb.debian.org/debian',
    variant: 'minbase',
    include: [
      'linux-image-amd64', 'grub-pc', 'systemd-sysv', 'udev', 'initramfs-tools', 'ifupdown', 'iproute2',
      'lvm2', 'xfsprogs', 'e2fsprogs', 'util-linux', 'sed', 'zstd',
    ],
  },
  initramfsModules: ['mptspi', 'mptsas', 'vmw_pvscsi', 'ahci', 'ata_piix', 'sd_mod', 'dm_mod', 'xfs', 'ext4', 'crc32c_generic'],
  initramfsMustLack: ['virtio_blk', 'virtio_scsi', 'virtio_pci'],
  grubCfg: ({ kernel }) => grubCfg({ kernel, bootUuid: BOOT_UUID, separateBoot: true, cmdline: CMDLINE }),
  disk: { sizeMiB: 3072, table: 'mbr', id: '0x2b9d4e11' },
  partitions: [
    { type: 'linux', sizeMiB: 256, bootable: true, fs: { type: 'ext4', mount: '/boot', uuid: BOOT_UUID } },
    { type: 'swap', sizeMiB: 256, fs: { type: 'swap', uuid: SWAP_UUID } },
    { type: 'linux', sizeMiB: 512, fs: { type: 'xfs', mount: '/var', uuid: VAR_UUID } },
    { type: 'lvm', lvm: { vg: VG, lvs: [{ name: 'root', fs: { type: 'xfs', mount: '/', uuid: ROOT_UUID } }] } },
  ],
  enable: ['networking.service', 'hyper2kvm-marker.service'],
  files: {
    '/etc/hostname': `${HOSTNAME}\n`,
    '/etc/hosts': `127.0.0.1\tlocalhost\n127.0.1.1\t${HOSTNAME}.corp.example\t${HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
    '/etc/fstab': `# /etc/fstab: static file system information.
#
# Use 'blkid' to print the universally unique identifier for a
# device; this may be used with UUID= as a more robust way to name devices
# that works even if disks are added and removed. See fstab(5).
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
${ROOT_DEVICE} /               xfs     defaults        0       0
# /boot was on /dev/sda1 during installation
/dev/sda1       /boot           ext4    defaults        0       2
/dev/sda3       /var            xfs     defaults        0       0
/dev/sda2       none            swap    sw              0       0
`,
    '/etc/default/grub': defaultGrub(CMDLINE),
    '/etc/initramfs-tools/conf.d/resume': 'RESUME=/dev/sda2\n',
    '/etc/network/interfaces': INTERFACES,
    // ifupdown's allow-hotplug NIC is not part of network-online: wait for the address.
    ...markerFiles({ before: LAYOUT_MARKERS, waitForAddress: '10.0.2.15' }),
    '/etc/resolv.conf': 'nameserver 10.0.2.3\nsearch corp.example\n',
  },
  vm: {
    vcpus: 1,
    memoryMiB: 1024,
    scsi: 'pvscsi',
    guestOS: 'debian12-64',
    ovfOs: { id: 96, vmw: 'debian12_64Guest' },
    nics: [{ type: 'vmxnet3', mac: MAC, network: 'VM Network', addressType: 'static' }],
  },
  export: ['vmdk', 'vmx'],
  expect: {
    os: 'linux', distro: 'debian', major: 12, arch: 'x86_64', hostname: HOSTNAME, packageFormat: 'deb',
    address: '10.0.2.15', mac: MAC, marker: MARKER, rootDevice: ROOT_DEVICE,
    bootUuid: BOOT_UUID, swapUuid: SWAP_UUID, varUuid: VAR_UUID, rootUuid: ROOT_UUID,
  },
};
