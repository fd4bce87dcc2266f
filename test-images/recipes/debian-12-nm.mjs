// A REAL, bootable Debian 12 whose network is NetworkManager's, as a desktop
// or a RHEL-minded admin leaves it on VMware: one keyfile connection pinned
// to the NIC both by name (`interface-name=ens192`) and by the VMware MAC
// (`mac-address=`), with a static address. No netplan, no ifupdown.
//
// Traps: an initramfs without virtio; root by /dev/sda1 in fstab and on the
// kernel command line; the keyfile matches only a NIC called ens192 with the
// VMware MAC, so a virtio NIC named enp1s0 stays unconfigured.
import { CONSOLE, defaultGrub, grubCfg, MARKER, markerFiles } from './_bootable/debian.mjs';

const MAC = '00:50:56:9c:52:e8';
const HOSTNAME = 'deb12-app01';
const ROOT_UUID = '6e2d4c1a-8b3f-4d5e-9a7c-2f1e0d9c8b7a';
const CMDLINE = `root=/dev/sda1 ${CONSOLE}`;

/** As `nmcli connection add` writes it (NetworkManager 1.42), with the address of qemu's user network. */
const KEYFILE = `[connection]
id=Wired connection ens192
uuid=4a3c1f0e-9b2d-4c5e-8f7a-6b5c4d3e2f1a
type=ethernet
interface-name=ens192

[ethernet]
mac-address=${MAC.toUpperCase()}

[ipv4]
address1=10.0.2.15/24,10.0.2.2
dns=10.0.2.3;
dns-search=corp.example;
method=manual

[ipv6]
addr-gen-mode=default
method=ignore

[proxy]
`;

/** Which NIC names the booted guest has, and which NetworkManager connection is up on which device. */
const NM_MARKERS = [
  `echo "${MARKER}-nic: $(ls /sys/class/net | grep -v '^lo$' | tr '\\n' ' ')"`,
  `echo "${MARKER}-nm: $(nmcli -t -f NAME,DEVICE connection show --active | tr '\\n' ' ')"`,
  `echo "${MARKER}-root: $(findmnt -no SOURCE /)"`,
];

export default {
  name: 'debian-12-nm',
  kind: 'debootstrap',
  description: 'Real Debian 12: NetworkManager keyfile pinned to ens192 and the VMware MAC, 10.0.2.15/24; root=/dev/sda1, initramfs without virtio',
  firmware: 'bios',
  debootstrap: {
    suite: 'bookworm',
    mirror: 'http://deb.debian.org/debian',
    variant: 'minbase',
    include: [
      'linux-image-amd64', 'grub-pc', 'systemd-sysv', 'udev', 'initramfs-tools', 'iproute2',
      // NetworkManager needs the system bus and polkit to start; minbase has neither.
      'network-manager', 'dbus', 'polkitd', 'libpam-systemd',
      'e2fsprogs', 'util-linux', 'sed', 'zstd',
    ],
  },
  initramfsModules: ['mptspi', 'mptsas', 'vmw_pvscsi', 'ahci', 'ata_piix', 'sd_mod', 'ext4', 'crc32c_generic'],
  initramfsMustLack: ['virtio_blk', 'virtio_scsi', 'virtio_pci'],
  rootUuid: ROOT_UUID,
  grubCfg: ({ kernel }) => grubCfg({ kernel, bootUuid: ROOT_UUID, cmdline: CMDLINE }),
  disk: { sizeMiB: 2560, table: 'mbr', id: '0x3c7a9e21' },
  partitions: [{ type: 'linux', bootable: true, fs: { type: 'ext4', mount: '/', uuid: ROOT_UUID } }],
  enable: ['NetworkManager.service', 'hyper2kvm-marker.service'],
  files: {
    '/etc/hostname': `${HOSTNAME}\n`,
    '/etc/hosts': `127.0.0.1\tlocalhost\n127.0.1.1\t${HOSTNAME}.corp.example\t${HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
    '/etc/fstab': `# /etc/fstab: static file system information.
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
/dev/sda1       /               ext4    errors=remount-ro 0       1
`,
    '/etc/default/grub': defaultGrub(CMDLINE),
    // NetworkManager ignores keyfiles other users can read.
    '/etc/NetworkManager/system-connections/Wired connection ens192.nmconnection': { content: KEYFILE, mode: 0o600 },
    ...markerFiles({ before: NM_MARKERS, waitForAddress: '10.0.2.15' }),
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
    address: '10.0.2.15', mac: MAC, marker: MARKER, connection: 'Wired connection ens192',
  },
};
