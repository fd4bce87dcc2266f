// The bench guest's root tree: a minimal Ubuntu 22.04 (a subset of
// test-images/recipes/ubuntu-2204.mjs, enough for libguestfs inspection:
// os-release, fstab on /dev/sda1, hostname, x86-64 ELF binaries for the
// architecture, a kernel + modules + initrd, dpkg status) plus ~1 GiB of
// incompressible, deterministic data files (AES-128-CTR keystream).
// Everything is a placeholder: this guest never boots.
import { createCipheriv, createHash } from 'node:crypto';
import { chmod, lutimes, mkdir, open, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const HOSTNAME = 'ubuntu-bench01';
export const ROOT_UUID = '6f1c3e9a-2b7d-4c5e-9a8f-1d2e3f4a5b6d';
const KERNEL = '5.15.0-91-generic';
const MAC = '00:50:56:aa:bb:cd';
/** A fixed time for every file (2024-01-01T00:00:00Z), so the tree is reproducible. */
const EPOCH = new Date('2024-01-01T00:00:00Z');

/** 64-byte ELF64 x86-64 header + marker: `file` (and so libguestfs) sees an x86-64 executable. */
function elf() {
  const h = Buffer.alloc(64);
  h.write('\x7fELF', 0, 'latin1');
  h[4] = 2;
  h[5] = 1;
  h[6] = 1;
  h.writeUInt16LE(2, 16);
  h.writeUInt16LE(0x3e, 18);
  h.writeUInt32LE(1, 20);
  h.writeBigUInt64LE(0x401000n, 24);
  h.writeUInt16LE(64, 52);
  h.writeUInt16LE(56, 54);
  h.writeUInt16LE(64, 58);
  return Buffer.concat([h, Buffer.from('hyper2kvm bench placeholder\n')]);
}

const MODULES = [
  'kernel/drivers/block/virtio_blk.ko',
  'kernel/drivers/net/virtio_net.ko',
  'kernel/drivers/scsi/virtio_scsi.ko',
  'kernel/drivers/virtio/virtio_pci.ko',
  'kernel/drivers/scsi/vmw_pvscsi.ko',
  'kernel/drivers/net/vmxnet3/vmxnet3.ko',
  'kernel/drivers/message/fusion/mptspi.ko',
  'kernel/drivers/ata/ahci.ko',
];

const PACKAGES = [
  ['base-files', '12ubuntu4.4'],
  ['bash', '5.1-6ubuntu1'],
  ['coreutils', '8.32-4.1ubuntu1'],
  ['libc6', '2.35-0ubuntu3.5'],
  ['systemd', '249.11-0ubuntu3.11'],
  ['initramfs-tools', '0.140ubuntu13.4'],
  ['grub-pc', '2.06-2ubuntu7.2'],
  ['netplan.io', '0.106.1-7ubuntu0.22.04.2'],
  [`linux-image-${KERNEL}`, '5.15.0-91.101'],
  ['open-vm-tools', '2:12.3.0-1~ubuntu0.22.04.1'],
];

const dpkgStatus = PACKAGES.map(
  ([name, version]) =>
    `Package: ${name}\nStatus: install ok installed\nPriority: optional\nSection: admin\nInstalled-Size: 1024\nMaintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>\nArchitecture: amd64\nVersion: ${version}\nDescription: ${name}\n`,
).join('\n');

/** Directories, symlinks and files of the OS part of the tree. */
export const TREE = {
  dirs: [
    '/dev',
    '/proc',
    '/sys',
    '/run',
    '/tmp',
    '/mnt',
    '/media',
    '/opt',
    '/srv',
    '/home/ubuntu',
    '/root',
    '/var/log',
    '/var/tmp',
    '/var/cache',
    '/usr/lib64',
    '/etc/netplan',
    '/boot/grub/i386-pc',
  ],
  symlinks: {
    '/bin': 'usr/bin',
    '/sbin': 'usr/sbin',
    '/lib': 'usr/lib',
    '/lib64': 'usr/lib64',
    '/etc/os-release': '../usr/lib/os-release',
    '/usr/bin/sh': 'dash',
    '/boot/vmlinuz': `vmlinuz-${KERNEL}`,
    '/boot/initrd.img': `initrd.img-${KERNEL}`,
  },
  files: {
    '/usr/lib/os-release':
      'PRETTY_NAME="Ubuntu 22.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nHOME_URL="https://www.ubuntu.com/"\nUBUNTU_CODENAME=jammy\n',
    '/etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.3 LTS"\n',
    '/etc/debian_version': 'bookworm/sid\n',
    '/etc/hostname': `${HOSTNAME}\n`,
    '/etc/hosts': `127.0.0.1 localhost\n127.0.1.1 ${HOSTNAME}\n`,
    '/etc/machine-id': '3b1f6d2a9c8e4f7a8b5c6d7e8f9a0b1d\n',
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nubuntu:x:1000:1000:ubuntu:/home/ubuntu:/bin/bash\n',
    '/etc/group': 'root:x:0:\nsudo:x:27:ubuntu\nubuntu:x:1000:\n',
    '/etc/shadow': { content: 'root:*:19675:0:99999:7:::\nubuntu:!:19675:0:99999:7:::\n', mode: 0o640 },
    '/etc/fstab': '# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n/dev/sda1       /               ext4    errors=remount-ro 0     1\n',
    '/etc/default/grub': 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\nGRUB_CMDLINE_LINUX=""\nGRUB_DISABLE_LINUX_UUID=true\n',
    '/boot/grub/grub.cfg': {
      content: `set default="0"\nset timeout=0\nmenuentry 'Ubuntu' {\n\tinsmod part_msdos\n\tinsmod ext2\n\tset root='hd0,msdos1'\n\tsearch --no-floppy --fs-uuid --set=root ${ROOT_UUID}\n\tlinux\t/boot/vmlinuz-${KERNEL} root=/dev/sda1 ro quiet splash\n\tinitrd\t/boot/initrd.img-${KERNEL}\n}\n`,
      mode: 0o444,
    },
    '/boot/grub/device.map': '(hd0)\t/dev/sda\n',
    [`/boot/vmlinuz-${KERNEL}`]: { content: 'hyper2kvm bench placeholder kernel\n', mode: 0o600 },
    [`/boot/initrd.img-${KERNEL}`]: 'hyper2kvm bench placeholder initrd\n',
    [`/boot/config-${KERNEL}`]:
      'CONFIG_MODULES=y\nCONFIG_EXT4_FS=y\nCONFIG_VIRTIO=y\nCONFIG_VIRTIO_PCI=m\nCONFIG_VIRTIO_BLK=m\nCONFIG_VIRTIO_NET=m\nCONFIG_VMWARE_PVSCSI=m\n',
    [`/boot/System.map-${KERNEL}`]: { content: 'placeholder\n', mode: 0o600 },
    ...Object.fromEntries(MODULES.map((m) => [`/usr/lib/modules/${KERNEL}/${m}`, ''])),
    [`/usr/lib/modules/${KERNEL}/modules.dep`]: MODULES.map((m) => `${m}:\n`).join(''),
    [`/usr/lib/modules/${KERNEL}/modules.order`]: MODULES.map((m) => `${m}\n`).join(''),
    '/etc/netplan/00-installer-config.yaml': {
      content: `network:\n  ethernets:\n    ens192:\n      match:\n        macaddress: ${MAC}\n      set-name: ens192\n      dhcp4: true\n  version: 2\n`,
      mode: 0o600,
    },
    '/var/lib/dpkg/status': dpkgStatus,
    ...Object.fromEntries(
      [
        '/usr/bin/bash',
        '/usr/bin/dash',
        '/usr/bin/ls',
        '/usr/bin/cat',
        '/usr/bin/mount',
        '/usr/lib/systemd/systemd',
        '/usr/sbin/update-initramfs',
        '/usr/sbin/grub-install',
        '/usr/bin/dpkg',
      ].map((p) => [p, { content: elf(), mode: 0o755 }]),
    ),
  },
};

/**
 * Writes `count` files of `fileMiB` MiB each under `dir`: the AES-128-CTR
 * keystream for a fixed key, IV = file index. Incompressible, deterministic,
 * and fast (AES-NI: well over 1 GB/s).
 */
export async function writeDataFiles(dir, { count, fileMiB }) {
  await mkdir(dir, { recursive: true });
  const key = createHash('sha256').update('hyper2kvm bench data').digest().subarray(0, 16);
  const zeros = Buffer.alloc(4 * 1024 * 1024);
  const files = [];
  for (let i = 0; i < count; i++) {
    const iv = Buffer.alloc(16);
    iv.writeUInt32BE(i, 0);
    const cipher = createCipheriv('aes-128-ctr', key, iv);
    const path = join(dir, `blob-${String(i).padStart(3, '0')}.bin`);
    const handle = await open(path, 'w');
    try {
      for (let written = 0; written < fileMiB * 1024 * 1024; written += zeros.length) await handle.write(cipher.update(zeros));
    } finally {
      await handle.close();
    }
    await utimes(path, EPOCH, EPOCH);
    files.push(path);
  }
  return files;
}

/** Writes the OS tree into `root` (which must not exist yet or be empty). */
export async function writeTree(root) {
  for (const d of TREE.dirs) await mkdir(join(root, d), { recursive: true });
  for (const [path, value] of Object.entries(TREE.files)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    const { content, mode = 0o644 } = typeof value === 'string' || Buffer.isBuffer(value) ? { content: value } : value;
    await writeFile(target, content);
    await chmod(target, mode);
  }
  for (const [path, target] of Object.entries(TREE.symlinks)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await symlink(target, join(root, path));
  }
  await chmod(join(root, 'tmp'), 0o1777);
  await chmod(join(root, 'root'), 0o700);
}

/** Gives every path under `root` (and `root`) the fixed time; children first, so directories keep it. */
export async function fixTimes(root) {
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) await fixTimes(path);
    else await lutimes(path, EPOCH, EPOCH);
  }
  await lutimes(root, EPOCH, EPOCH);
}
