// Ubuntu 22.04.3 LTS as installed on VMware ESXi: BIOS, MBR, ext4 root on
// /dev/sda1 and swap on /dev/sda2 named by kernel device name (fstab, grub.cfg
// root=, device.map), an initramfs built with MODULES=dep (VMware drivers only,
// no virtio), netplan pinned to ens192 by MAC, open-vm-tools enabled.
// Kernels, modules, initramfs and binaries are PLACEHOLDERS: it never boots.
import {
  accounts, BASE_DIRS, dpkgStatus, elfBinaries, emptyFiles, grubenv, kernelConfig, kernelModules, systemdEnable, usrMerged,
} from './_shared/linux.mjs';

const HOSTNAME = 'ubuntu-web01';
const MAC = '00:50:56:aa:bb:cc';
const ROOT_UUID = '6f1c3e9a-2b7d-4c5e-9a8f-1d2e3f4a5b6c';
const SWAP_UUID = '0b5e7c1d-3f2a-4e6b-8c9d-7a6b5c4d3e2f';
const KERNELS = ['5.15.0-91-generic', '5.15.0-88-generic']; // newest first: the default entry

/** Modules shipped with each kernel (paths under /lib/modules/<ver>/). */
const MODULES = {
  modules: [
    'kernel/drivers/block/virtio_blk.ko',
    'kernel/drivers/net/virtio_net.ko',
    'kernel/drivers/net/net_failover.ko',
    'kernel/net/core/failover.ko',
    'kernel/drivers/scsi/virtio_scsi.ko',
    'kernel/drivers/virtio/virtio_pci.ko',
    'kernel/drivers/virtio/virtio_balloon.ko',
    'kernel/drivers/char/virtio_console.ko',
    'kernel/drivers/char/hw_random/virtio-rng.ko',
    'kernel/drivers/scsi/vmw_pvscsi.ko',
    'kernel/drivers/net/vmxnet3/vmxnet3.ko',
    'kernel/drivers/message/fusion/mptbase.ko',
    'kernel/drivers/message/fusion/mptscsih.ko',
    'kernel/drivers/message/fusion/mptspi.ko',
    'kernel/drivers/ata/libahci.ko',
    'kernel/drivers/ata/ahci.ko',
    'kernel/drivers/misc/vmw_vmci/vmw_vmci.ko',
  ],
  // virtio core and the ring are built in (CONFIG_VIRTIO=y), the rest are modules.
  builtin: ['kernel/drivers/virtio/virtio.ko', 'kernel/drivers/virtio/virtio_ring.ko', 'kernel/drivers/virtio/virtio_pci_modern_dev.ko'],
  deps: {
    'kernel/drivers/net/virtio_net.ko': ['kernel/drivers/net/net_failover.ko', 'kernel/net/core/failover.ko'],
    'kernel/drivers/net/net_failover.ko': ['kernel/net/core/failover.ko'],
    'kernel/drivers/message/fusion/mptspi.ko': ['kernel/drivers/message/fusion/mptscsih.ko', 'kernel/drivers/message/fusion/mptbase.ko'],
    'kernel/drivers/message/fusion/mptscsih.ko': ['kernel/drivers/message/fusion/mptbase.ko'],
    'kernel/drivers/ata/ahci.ko': ['kernel/drivers/ata/libahci.ko'],
  },
};

const CONFIG = {
  MODULES: 'y', BLK_DEV_INITRD: 'y', EXT4_FS: 'y', XFS_FS: 'm',
  VIRTIO: 'y', VIRTIO_PCI: 'm', VIRTIO_PCI_LEGACY: 'y', VIRTIO_BLK: 'm', VIRTIO_NET: 'm', SCSI_VIRTIO: 'm',
  VIRTIO_CONSOLE: 'm', VIRTIO_BALLOON: 'm', HW_RANDOM_VIRTIO: 'm',
  VMWARE_PVSCSI: 'm', VMXNET3: 'm', FUSION_SPI: 'm', SATA_AHCI: 'm', VMWARE_VMCI: 'm',
};

/** The initramfs as initramfs-tools builds it with MODULES=dep on VMware: pvscsi/mptspi/ahci, no virtio. */
function initrd(version) {
  const m = `/lib/modules/${version}`;
  const inInitrd = [
    'kernel/drivers/scsi/vmw_pvscsi.ko',
    'kernel/drivers/message/fusion/mptbase.ko',
    'kernel/drivers/message/fusion/mptscsih.ko',
    'kernel/drivers/message/fusion/mptspi.ko',
    'kernel/drivers/ata/libahci.ko',
    'kernel/drivers/ata/ahci.ko',
    'kernel/drivers/net/vmxnet3/vmxnet3.ko',
  ];
  return {
    generate: 'initramfs',
    files: {
      '/init': '#!/bin/sh\n# placeholder for the initramfs-tools /init script\n',
      '/conf/initramfs.conf': 'MODULES=dep\nBUSYBOX=auto\nCOMPRESS=zstd\nRUNSIZE=10%\nFSTYPE=ext4\n',
      '/conf/arch.conf': 'DPKG_ARCH=amd64\n',
      '/scripts/local': '# placeholder\n',
      '/bin/busybox': { generate: 'elf' },
      '/bin/sh': { generate: 'elf' },
      '/sbin/modprobe': { generate: 'elf' },
      ...Object.fromEntries(inInitrd.map((p) => [`${m}/${p}`, ''])),
      [`${m}/modules.dep`]: inInitrd.map((p) => `${p}:\n`).join(''),
    },
  };
}

function kernelFiles(version) {
  return {
    [`/boot/vmlinuz-${version}`]: { generate: 'placeholder', mode: 0o600 }, // placeholder, not a kernel
    [`/boot/initrd.img-${version}`]: initrd(version),
    [`/boot/config-${version}`]: kernelConfig(version, CONFIG),
    [`/boot/System.map-${version}`]: { generate: 'placeholder', mode: 0o600 },
    ...kernelModules(`/lib/modules/${version}`, MODULES),
  };
}

const menuentry = (version, title, extra) => `	menuentry '${title}' --class ubuntu --class gnu-linux --class gnu --class os $menuentry_id_option 'gnulinux-${version}-${extra ? 'recovery' : 'advanced'}-${ROOT_UUID}' {
		recordfail
		load_video
		gfxmode $linux_gfx_mode
		insmod gzio
		if [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi
		insmod part_msdos
		insmod ext2
		set root='hd0,msdos1'
		if [ x$feature_platform_search_hint = xy ]; then
		  search --no-floppy --fs-uuid --set=root --hint-bios=hd0,msdos1 --hint-efi=hd0,msdos1 --hint-baremetal=ahci0,msdos1  ${ROOT_UUID}
		else
		  search --no-floppy --fs-uuid --set=root ${ROOT_UUID}
		fi
		echo	'Loading Linux ${version} ...'
		linux	/boot/vmlinuz-${version} root=/dev/sda1 ro ${extra ?? ' quiet splash $vt_handoff'}
		echo	'Loading initial ramdisk ...'
		initrd	/boot/initrd.img-${version}
	}
`;

const GRUB_CFG = `#
# DO NOT EDIT THIS FILE
#
# It is automatically generated by grub-mkconfig using templates
# from /etc/grub.d and settings from /etc/default/grub
#

### BEGIN /etc/grub.d/00_header ###
if [ -s $prefix/grubenv ]; then
  set have_grubenv=true
  load_env
fi
if [ "\${next_entry}" ] ; then
   set default="\${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="0"
fi

if [ x"\${feature_menuentry_id}" = xy ]; then
  menuentry_id_option="--id"
else
  menuentry_id_option=""
fi

export menuentry_id_option

function recordfail {
  set recordfail=1
  if [ -n "\${have_grubenv}" ]; then if [ -z "\${boot_once}" ]; then save_env recordfail; fi; fi
}

function load_video {
  insmod all_video
}

terminal_output gfxterm
set timeout_style=hidden
set timeout=0
### END /etc/grub.d/00_header ###

### BEGIN /etc/grub.d/10_linux ###
function gfxmode {
	set gfxpayload="\${1}"
	if [ "\${1}" = "keep" ]; then
		set vt_handoff=vt.handoff=7
	else
		set vt_handoff=
	fi
}
if [ "\${recordfail}" != 1 ]; then
  if [ -e \${prefix}/gfxblacklist.txt ]; then
    if [ \${grub_platform} != pc ]; then
      set linux_gfx_mode=keep
    elif hwmatch \${prefix}/gfxblacklist.txt 3; then
      if [ \${match} = 0 ]; then
        set linux_gfx_mode=keep
      else
        set linux_gfx_mode=text
      fi
    else
      set linux_gfx_mode=text
    fi
  else
    set linux_gfx_mode=keep
  fi
else
  set linux_gfx_mode=text
fi
export linux_gfx_mode
menuentry 'Ubuntu' --class ubuntu --class gnu-linux --class gnu --class os $menuentry_id_option 'gnulinux-simple-${ROOT_UUID}' {
	recordfail
	load_video
	gfxmode $linux_gfx_mode
	insmod gzio
	if [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi
	insmod part_msdos
	insmod ext2
	set root='hd0,msdos1'
	if [ x$feature_platform_search_hint = xy ]; then
	  search --no-floppy --fs-uuid --set=root --hint-bios=hd0,msdos1 --hint-efi=hd0,msdos1 --hint-baremetal=ahci0,msdos1  ${ROOT_UUID}
	else
	  search --no-floppy --fs-uuid --set=root ${ROOT_UUID}
	fi
	linux	/boot/vmlinuz-${KERNELS[0]} root=/dev/sda1 ro  quiet splash $vt_handoff
	initrd	/boot/initrd.img-${KERNELS[0]}
}
submenu 'Advanced options for Ubuntu' $menuentry_id_option 'gnulinux-advanced-${ROOT_UUID}' {
${KERNELS.map((v) => menuentry(v, `Ubuntu, with Linux ${v}`) + menuentry(v, `Ubuntu, with Linux ${v} (recovery mode)`, 'recovery nomodeset dis_ucode_ldr')).join('')}}
### END /etc/grub.d/10_linux ###

### BEGIN /etc/grub.d/30_os-prober ###
### END /etc/grub.d/30_os-prober ###

### BEGIN /etc/grub.d/40_custom ###
### END /etc/grub.d/40_custom ###
`;

const PACKAGES = [
  { name: 'base-files', version: '12ubuntu4.4', section: 'admin', priority: 'required', description: 'Debian base system miscellaneous files' },
  { name: 'bash', version: '5.1-6ubuntu1', section: 'shells', priority: 'required', description: 'GNU Bourne Again SHell' },
  { name: 'coreutils', version: '8.32-4.1ubuntu1', section: 'utils', priority: 'required', description: 'GNU core utilities' },
  { name: 'libc6', version: '2.35-0ubuntu3.5', section: 'libs', description: 'GNU C Library: Shared libraries' },
  { name: 'systemd', version: '249.11-0ubuntu3.11', section: 'admin', description: 'system and service manager' },
  { name: 'udev', version: '249.11-0ubuntu3.11', section: 'admin', description: '/dev/ and hotplug management daemon' },
  { name: 'initramfs-tools', version: '0.140ubuntu13.4', section: 'utils', arch: 'all', description: 'generic modular initramfs generator (automation)' },
  { name: 'grub-pc', version: '2.06-2ubuntu7.2', section: 'admin', description: 'GRand Unified Bootloader, version 2 (PC/BIOS version)' },
  { name: 'netplan.io', version: '0.106.1-7ubuntu0.22.04.2', section: 'net', description: 'YAML network configuration abstraction for various backends' },
  { name: 'openssh-server', version: '1:8.9p1-3ubuntu0.6', section: 'net', description: 'secure shell (SSH) server, for secure access from remote machines' },
  { name: 'linux-image-5.15.0-91-generic', version: '5.15.0-91.101', section: 'kernel', source: 'linux-signed', description: 'Signed kernel image generic' },
  { name: 'linux-modules-5.15.0-91-generic', version: '5.15.0-91.101', section: 'kernel', source: 'linux', description: 'Linux kernel extra modules for version 5.15.0 on 64 bit x86 SMP' },
  { name: 'linux-image-5.15.0-88-generic', version: '5.15.0-88.98', section: 'kernel', source: 'linux-signed', description: 'Signed kernel image generic' },
  { name: 'linux-modules-5.15.0-88-generic', version: '5.15.0-88.98', section: 'kernel', source: 'linux', description: 'Linux kernel extra modules for version 5.15.0 on 64 bit x86 SMP' },
  { name: 'linux-image-generic', version: '5.15.0.91.88', section: 'kernel', source: 'linux-meta', description: 'Generic Linux kernel image' },
  { name: 'open-vm-tools', version: '2:12.3.0-1~ubuntu0.22.04.1', section: 'admin', size: 3112, depends: 'libc6 (>= 2.34), libglib2.0-0 (>= 2.56.0)', description: 'Open VMware Tools for virtual machines hosted on VMware (CLI)\nThe Open Virtual Machine Tools (open-vm-tools) project is an open source\nimplementation of VMware Tools.' },
];

export default {
  name: 'ubuntu-2204',
  kind: 'linux',
  description: 'Ubuntu 22.04.3 LTS on VMware: BIOS/MBR, /dev/sda names, netplan pinned to ens192 by MAC, no virtio in the initramfs',
  firmware: 'bios',
  disk: { sizeMiB: 512, table: 'mbr', id: '0x7f3c2a1b', bootCode: 'grub' },
  partitions: [
    { sizeMiB: 448, type: 'linux', bootable: true, fs: { type: 'ext4', mount: '/', uuid: ROOT_UUID } },
    { type: 'swap', fs: { type: 'swap', uuid: SWAP_UUID } },
  ],
  dirs: [...BASE_DIRS, '/boot/grub/i386-pc', '/etc/netplan', '/etc/initramfs-tools/conf.d', '/etc/initramfs-tools/scripts', '/usr/lib64', '/etc/udev/rules.d'],
  symlinks: {
    ...usrMerged({ multilib: ['lib32', 'libx32'] }),
    '/etc/os-release': '../usr/lib/os-release',
    '/etc/resolv.conf': '../run/systemd/resolve/stub-resolv.conf',
    '/usr/bin/sh': 'dash',
    '/usr/sbin/init': '/lib/systemd/systemd',
    '/boot/vmlinuz': `vmlinuz-${KERNELS[0]}`,
    '/boot/initrd.img': `initrd.img-${KERNELS[0]}`,
    '/boot/vmlinuz.old': `vmlinuz-${KERNELS[1]}`,
    '/boot/initrd.img.old': `initrd.img-${KERNELS[1]}`,
    ...systemdEnable('/lib/systemd/system/open-vm-tools.service'),
    '/etc/systemd/system/open-vm-tools.service.requires/vgauth.service': '/lib/systemd/system/vgauth.service',
    ...systemdEnable('/lib/systemd/system/ssh.service'),
  },
  files: {
    '/usr/lib/os-release': `PRETTY_NAME="Ubuntu 22.04.3 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.3 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy
`,
    '/etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.3 LTS"\n',
    '/etc/debian_version': 'bookworm/sid\n',
    '/etc/issue': 'Ubuntu 22.04.3 LTS \\n \\l\n\n',
    '/etc/hostname': `${HOSTNAME}\n`,
    '/etc/hosts': `127.0.0.1 localhost\n127.0.1.1 ${HOSTNAME}\n\n# The following lines are desirable for IPv6 capable hosts\n::1     ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n`,
    '/etc/machine-id': '3b1f6d2a9c8e4f7a8b5c6d7e8f9a0b1c\n',
    ...accounts({ adminUser: 'ubuntu', adminGroup: 'sudo' }),
    '/etc/fstab': `# /etc/fstab: static file system information.
#
# Use 'blkid' to print the universally unique identifier for a
# device; this may be used with UUID= as a more robust way to name devices
# that works even if disks are added and removed. See fstab(5).
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
/dev/sda1       /               ext4    errors=remount-ro 0     1
/dev/sda2       none            swap    sw              0       0
`,
    '/etc/default/grub': `# If you change this file, run 'update-grub' afterwards to update
# /boot/grub/grub.cfg.
# For full documentation of the options in this file, see:
#   info -f grub -n 'Simple configuration'

GRUB_DEFAULT=0
GRUB_TIMEOUT_STYLE=hidden
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=\`lsb_release -i -s 2> /dev/null || echo Debian\`
GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"
GRUB_CMDLINE_LINUX=""

# Kernel device names instead of UUIDs on the kernel command line (set by
# the admin of this VM; it is why grub.cfg says root=/dev/sda1).
GRUB_DISABLE_LINUX_UUID=true

# Uncomment to disable graphical terminal (grub-pc only)
#GRUB_TERMINAL=console
`,
    '/boot/grub/grub.cfg': { content: GRUB_CFG, mode: 0o444 },
    '/boot/grub/device.map': '(hd0)\t/dev/sda\n',
    '/boot/grub/grubenv': grubenv(),
    ...emptyFiles(['/boot/grub/i386-pc/boot.img', '/boot/grub/i386-pc/core.img', '/boot/grub/i386-pc/normal.mod', '/boot/grub/i386-pc/ext2.mod', '/boot/grub/i386-pc/part_msdos.mod']),
    ...Object.assign({}, ...KERNELS.map(kernelFiles)),
    '/etc/initramfs-tools/initramfs.conf': `#
# initramfs.conf
# Configuration file for mkinitramfs(8). See initramfs.conf(5).
#
# Note that configuration options from this file can be overridden
# by config files in the /etc/initramfs-tools/conf.d directory.

#
# MODULES: [ most | netboot | dep | list ]
#
# most - Add most filesystem and all harddrive drivers.
#
# dep - Try and guess which modules to load.
#
# netboot - Add the base modules, network modules, but skip block devices.
#
# list - Only include modules from the 'additional modules' list
#

MODULES=dep

#
# BUSYBOX: [ y | n | auto ]
#
# Use busybox shell and utilities.  If set to n, busybox need not be
# installed, but you will lose the shell.

BUSYBOX=auto

#
# COMPRESS: [ gzip | bzip2 | lz4 | lzma | lzop | xz | zstd ]
#

COMPRESS=zstd

#
# DEVICE: ...
#
# Specify a specific network interface, like eth0
# Overridden by optional ip= or BOOTIF= bootarg
#

DEVICE=

#
# NFSROOT: [ auto | HOST:MOUNT ]
#

NFSROOT=auto

#
# RUNSIZE: ...
#
# The size of the /run tmpfs mount point, like 256M or 10%
# Overridden by optional initramfs.runsize= bootarg
#

RUNSIZE=10%

#
# FSTYPE: ...
#
# The filesystem type(s) to support, or "auto" to use the current root
# filesystem type
#

FSTYPE=auto
`,
    '/etc/initramfs-tools/modules': `# List of modules that you want to include in your initramfs.
# They will be loaded at boot time in the order below.
#
# Syntax:  module_name [args ...]
#
# You must run update-initramfs(8) to effect this change.
#
# Examples:
#
# raid1
# sd_mod
`,
    '/etc/initramfs-tools/update-initramfs.conf': 'update_initramfs=yes\nbackup_initramfs=no\n',
    '/etc/netplan/00-installer-config.yaml': {
      mode: 0o600,
      content: `# This is the network config written by 'subiquity'
network:
  ethernets:
    ens192:
      match:
        macaddress: ${MAC}
      set-name: ens192
      addresses:
      - 192.168.10.20/24
      nameservers:
        addresses:
        - 192.168.10.1
        - 1.1.1.1
        search:
        - example.com
      routes:
      - to: default
        via: 192.168.10.1
  version: 2
`,
    },
    ...elfBinaries([
      '/usr/bin/bash', '/usr/bin/dash', '/usr/bin/ls', '/usr/bin/rm', '/usr/bin/echo', '/usr/bin/cat', '/usr/bin/mount',
      '/usr/lib/systemd/systemd', '/usr/lib/systemd/systemd-networkd', '/usr/sbin/update-initramfs', '/usr/sbin/grub-install',
      '/usr/sbin/grub-mkconfig', '/usr/sbin/netplan', '/usr/bin/dpkg', '/usr/sbin/sshd',
      '/usr/bin/vmtoolsd', '/usr/bin/vmware-toolbox-cmd', '/usr/bin/vmware-checkvm', '/usr/bin/VGAuthService',
    ]),
    '/usr/sbin/update-grub': { content: '#!/bin/sh\nset -e\nexec grub-mkconfig -o /boot/grub/grub.cfg "$@"\n', mode: 0o755 },
    '/lib/systemd/system/open-vm-tools.service': `[Unit]
Description=Service for virtual machines hosted on VMware
Documentation=http://github.com/vmware/open-vm-tools
ConditionVirtualization=vmware
Requires=vgauth.service
After=vgauth.service
DefaultDependencies=no
After=systemd-remount-fs.service systemd-tmpfiles-setup.service systemd-modules-load.service

[Service]
ExecStart=/usr/bin/vmtoolsd
TimeoutStopSec=5

[Install]
WantedBy=multi-user.target
Alias=vmtoolsd.service
`,
    '/lib/systemd/system/vgauth.service': `[Unit]
Description=Authentication service for virtual machines hosted on VMware
Documentation=http://github.com/vmware/open-vm-tools
ConditionVirtualization=vmware
PartOf=open-vm-tools.service

[Service]
ExecStart=/usr/bin/VGAuthService
TimeoutStopSec=5
`,
    '/lib/systemd/system/ssh.service': '[Unit]\nDescription=OpenBSD Secure Shell server\n\n[Service]\nExecStart=/usr/sbin/sshd -D\n\n[Install]\nWantedBy=multi-user.target\n',
    '/etc/vmware-tools/tools.conf.example': '# placeholder: open-vm-tools configuration example\n',
    '/etc/vmware-tools/vgauth.conf': '[service]\nsamlSchemaDir = /etc/vmware-tools/vgauth/schemas\n',
    '/var/lib/dpkg/status': dpkgStatus(PACKAGES, 'Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>'),
    '/var/log/installer/autoinstall-user-data': { content: '#cloud-config\n# placeholder\n', mode: 0o600 },
  },
  vm: {
    vcpus: 2,
    memoryMiB: 2048,
    scsi: 'pvscsi',
    guestOS: 'ubuntu-64',
    ovfOs: { id: 94, vmw: 'ubuntu64Guest' },
    nics: [{ type: 'vmxnet3', mac: MAC, network: 'VM Network' }],
  },
  export: ['vmdk', 'ova'],
  /** What inspection must find (check.mjs compares virt-inspector's answer). */
  expect: {
    os: 'linux', distro: 'ubuntu', product: 'Ubuntu 22.04.3 LTS', major: 22, minor: 4, arch: 'x86_64',
    hostname: HOSTNAME, packageFormat: 'deb', mountpoints: { '/': '/dev/sda1' },
    applications: ['open-vm-tools', 'linux-image-5.15.0-91-generic'],
  },
};
