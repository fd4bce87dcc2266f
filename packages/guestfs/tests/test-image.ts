/**
 * Builds a phony Ubuntu 22.04 guest for the appliance tests: a raw disk with
 * an MBR partition table and one ext4 partition filled from a folder by
 * mke2fs (no root, no appliance), exported as VMDK as VMware would, plus a
 * qcow2 overlay backed by it. Takes about a second.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

export const ROOT_UUID = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';
export const ROOT_LABEL = 'cloudimg-rootfs';
export const DISK_SIGNATURE = '1a2b3c4d';
export const HOSTNAME = 'web-01';
export const FSTAB = `# /etc/fstab: static file system information.\nUUID=${ROOT_UUID} / ext4 defaults,discard 0 1\n`;

const OS_RELEASE = `PRETTY_NAME="Ubuntu 22.04.3 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.3 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=jammy
`;

const PARTITION_OFFSET = 1024 * 1024;
const DISK_BYTES = 64 * 1024 * 1024;

export interface TestImage {
  dir: string;
  /** The source as exported from VMware: must never change. */
  vmdk: string;
  /** qcow2 overlay backed by the VMDK: the only thing the appliance writes. */
  overlay: string;
}

export async function buildTestImage(): Promise<TestImage> {
  const dir = await mkdtemp(join(tmpdir(), 'hyper2kvm-guestfs-test-'));
  const tree = join(dir, 'tree');
  const files: Record<string, string | Buffer> = {
    'etc/os-release': OS_RELEASE,
    'etc/fstab': FSTAB,
    'etc/hostname': `${HOSTNAME}\n`,
    'etc/hosts': `127.0.0.1 localhost\n127.0.1.1 ${HOSTNAME}\n`,
    'etc/netplan/00-installer-config.yaml': 'network:\n  version: 2\n  ethernets:\n    ens160:\n      dhcp4: true\n',
    'bin/sh': Buffer.from('#!phony shell\n'),
    'usr/bin/true': Buffer.from('phony'),
    'boot/vmlinuz-5.15.0-91-generic': Buffer.alloc(4096, 0xa5),
    'boot/initrd.img-5.15.0-91-generic': Buffer.alloc(2048, 0x5a),
    'lib/modules/5.15.0-91-generic/kernel/drivers/block/virtio_blk.ko': Buffer.alloc(128, 1),
    'lib/modules/5.15.0-91-generic/kernel/drivers/net/virtio_net.ko': Buffer.alloc(128, 2),
    'Program Data/Mixed Case/Settings.INI': '[main]\nkey=value\n',
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), content);
  }

  const raw = join(dir, 'disk.raw');
  await execa('qemu-img', ['create', '-q', '-f', 'raw', raw, String(DISK_BYTES)]);
  await execa('sfdisk', ['--quiet', raw], {
    input: `label: dos\nlabel-id: 0x${DISK_SIGNATURE}\nstart=${PARTITION_OFFSET / 512}, type=83\n`,
  });
  const partitionKiB = (DISK_BYTES - PARTITION_OFFSET) / 1024;
  await execa('mke2fs', [
    '-q',
    '-F',
    '-t',
    'ext4',
    '-U',
    ROOT_UUID,
    '-L',
    ROOT_LABEL,
    '-d',
    tree,
    '-E',
    `offset=${PARTITION_OFFSET}`,
    raw,
    String(partitionKiB),
  ]);

  const vmdk = join(dir, 'source.vmdk');
  await execa('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'vmdk', raw, vmdk]);
  const overlay = join(dir, 'overlay.qcow2');
  await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'vmdk', '-b', vmdk, overlay]);
  return { dir, vmdk, overlay };
}
