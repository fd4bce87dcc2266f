// A REAL, bootable Debian 12 with cloud-init that ran on a cloud before it
// came to VMware and is now being migrated to KVM: the matrix's cloud guest.
//
// Built as the debootstrap guests are (root and fstab by /dev/sda1, an
// initramfs without virtio), then booted ONCE on its "old cloud" by
// lib/cloud-guest.mjs: an IDE disk, an e1000 NIC with the cloud's MAC and a
// NoCloud `cidata` seed (instance id, hostname, a static address on `ens5`
// matched by that MAC). cloud-init itself renders /etc/netplan/50-cloud-init.yaml,
// regenerates the SSH host keys and records the instance; the seed is then
// gone, as a cloud's metadata is after export. The VMX gives the NIC the MAC
// VMware generated when the VM was imported there, so the rendered MAC match
// is foreign on KVM.
//
// Traps: cloud-init on KVM with no metadata service (probing, then `None` as a
// NEW instance: new SSH host keys, a fallback DHCP replacing the static
// address); the rendered netplan pinned to a MAC that no KVM NIC has; no
// virtio in the initramfs.

import { CONSOLE, defaultGrub, grubCfg, MARKER, markerFiles, NETWORKD_WAIT_ONLINE } from './_bootable/debian.mjs';

const CLOUD_MAC = '0a:1b:2c:3d:4e:5f';
const VMWARE_MAC = '00:0c:29:5e:7a:11';
const INSTANCE = 'i-0a1b2c3d4e5f67890';
const HOSTNAME = 'web-cloud01';
const CMDLINE = `root=/dev/sda1 ${CONSOLE}`;
const ROOT_UUID = '7d2e4f60-1a3b-4c5d-8e9f-0a1b2c3d4e5f';

/** What the old cloud's metadata said (NoCloud, as OpenStack config drives and private clouds give it). */
const SEED = {
  'meta-data': `instance-id: ${INSTANCE}\nlocal-hostname: ${HOSTNAME}\n`,
  // power_state: the image build's one boot ends when cloud-init is done (a per-instance module: once).
  'user-data': '#cloud-config\nssh_deletekeys: true\nssh_genkeytypes: [ed25519, rsa]\npower_state:\n  mode: poweroff\n  delay: now\n  condition: true\n',
  'network-config': `version: 2
ethernets:
  ens5:
    match:
      macaddress: "${CLOUD_MAC}"
    set-name: ens5
    addresses: [10.0.2.15/24]
    routes:
      - to: default
        via: 10.0.2.2
    nameservers:
      addresses: [10.0.2.3]
`,
};

/** The cloud-init lines come first: a verifier may stop the guest once it has seen the addresses. */
const CLOUD_MARKERS = [
  `echo "${MARKER}-hostkey: $(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2)"`,
  `echo "${MARKER}-instance: $(cat /var/lib/cloud/data/instance-id 2>/dev/null)"`,
  `echo "${MARKER}-datasource: $(cut -d: -f2- /var/lib/cloud/instance/datasource 2>/dev/null)"`,
  `echo "${MARKER}-hostname: $(hostname)"`,
];

export default {
  name: 'debian-12-cloud-init',
  kind: 'debootstrap-cloud',
  description: 'Real Debian 12 whose cloud-init ran once on a cloud (NoCloud seed, instance i-…): rendered 50-cloud-init.yaml pinned to the cloud MAC, 10.0.2.15/24; VMX MAC from VMware',
  firmware: 'bios',
  debootstrap: {
    suite: 'bookworm',
    mirror: 'http://deb.debian.org/debian',
    variant: 'minbase',
    include: [
      'linux-image-amd64', 'grub-pc', 'systemd-sysv', 'udev', 'initramfs-tools', 'netplan.io', 'iproute2',
      // python3-cffi-backend: debootstrap does not resolve the virtual package python3-cryptography needs.
      'cloud-init', 'python3-cffi-backend', 'openssh-server', 'e2fsprogs', 'util-linux', 'sed', 'zstd',
    ],
  },
  initramfsModules: ['mptspi', 'mptsas', 'vmw_pvscsi', 'ahci', 'ata_piix', 'sd_mod', 'ext4', 'crc32c_generic'],
  initramfsMustLack: ['virtio_blk', 'virtio_scsi', 'virtio_pci'],
  rootUuid: ROOT_UUID,
  grubCfg: ({ kernel }) => grubCfg({ kernel, bootUuid: ROOT_UUID, cmdline: CMDLINE }),
  disk: { sizeMiB: 3072, table: 'mbr', id: '0x6c10d1e2' },
  partitions: [{ type: 'linux', bootable: true, fs: { type: 'ext4', mount: '/', uuid: ROOT_UUID } }],
  enable: ['systemd-networkd.service', 'systemd-networkd-wait-online.service', 'hyper2kvm-marker.service'],
  files: {
    '/etc/hostname': 'localhost\n',
    '/etc/hosts': '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n',
    '/etc/fstab': '# /etc/fstab: static file system information.\n/dev/sda1       /               ext4    errors=remount-ro 0       1\n',
    '/etc/default/grub': defaultGrub(CMDLINE),
    // As on Ubuntu's cloud images: cloud-init renders netplan.
    '/etc/cloud/cloud.cfg.d/01_netplan.cfg': 'system_info:\n  network:\n    renderers: [netplan]\n    activators: [netplan]\n',
    ...markerFiles({ before: CLOUD_MARKERS, after: ['cloud-final.service'] }),
    ...NETWORKD_WAIT_ONLINE,
    '/etc/resolv.conf': 'nameserver 10.0.2.3\n',
  },
  cloud: { mac: CLOUD_MAC, seed: SEED },
  vm: {
    vcpus: 1,
    memoryMiB: 1024,
    scsi: 'pvscsi',
    guestOS: 'debian12-64',
    ovfOs: { id: 96, vmw: 'debian12_64Guest' },
    nics: [{ type: 'vmxnet3', mac: VMWARE_MAC, network: 'VM Network', addressType: 'generated' }],
  },
  export: ['vmdk', 'vmx'],
  expect: {
    os: 'linux', distro: 'debian', major: 12, arch: 'x86_64', hostname: HOSTNAME, packageFormat: 'deb',
    address: '10.0.2.15', mac: VMWARE_MAC, cloudMac: CLOUD_MAC, instance: INSTANCE, marker: MARKER,
  },
};
