// The ubuntu-2204 guest (same files, see ubuntu-2204.mjs) installed with
// "encrypt the disk" on VMware: BIOS/MBR, an unencrypted ext4 /boot on
// /dev/sda1 (grub.cfg, kernels, initramfs), the root ext4 inside a LUKS2
// volume on /dev/sda2 opened at boot as sda2_crypt (/etc/crypttab, fstab and
// root= name /dev/mapper/sda2_crypt). Trap: without the passphrase no
// inspection can see the root; /boot alone looks like no operating system.
// The passphrase is PASSPHRASE below (PBKDF2, so opening it in a TCG
// appliance is quick).
import ubuntu from './ubuntu-2204.mjs';

export const PASSPHRASE = 'hyper2kvm-luks-test';
const BOOT_UUID = '2a4c6e80-1b3d-4f5a-8c7e-9d0f1a2b3c4d';
const LUKS_UUID = '5b7d9f1a-3c5e-4a7b-9d1f-2e4a6c8e0b2d';
const MAPPER = 'sda2_crypt';
const { disk, partitions: [root], ...base } = ubuntu;
const ROOT_UUID = root.fs.uuid;

/** grub.cfg as grub-mkconfig writes it with /boot on its own partition: kernels at /, root= the opened LUKS volume. */
const grubCfg = base.files['/boot/grub/grub.cfg'].content
  .replaceAll(ROOT_UUID, BOOT_UUID)
  .replaceAll('/boot/vmlinuz', '/vmlinuz')
  .replaceAll('/boot/initrd.img', '/initrd.img')
  .replaceAll('root=/dev/sda1', `root=/dev/mapper/${MAPPER}`);

export default {
  ...base,
  name: 'ubuntu-2204-luks',
  description: 'Ubuntu 22.04.3 LTS on VMware with an encrypted root: ext4 /boot on /dev/sda1, ext4 / in LUKS2 on /dev/sda2',
  disk,
  partitions: [
    { sizeMiB: 128, type: 'linux', bootable: true, fs: { type: 'ext4', mount: '/boot', uuid: BOOT_UUID } },
    { type: 'linux', luks: { name: MAPPER, uuid: LUKS_UUID, passphrase: PASSPHRASE }, fs: { type: 'ext4', mount: '/', uuid: ROOT_UUID } },
  ],
  files: {
    ...base.files,
    '/etc/fstab': `# /etc/fstab: static file system information.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
/dev/mapper/${MAPPER} /               ext4    errors=remount-ro 0       1
# /boot was on /dev/sda1 during installation
UUID=${BOOT_UUID} /boot           ext4    defaults        0       2
`,
    '/etc/crypttab': `${MAPPER} UUID=${LUKS_UUID} none luks,discard\n`,
    '/etc/cryptsetup-initramfs/conf-hook': '#\n# Configuration file for the cryptroot initramfs hook.\n#\nCRYPTSETUP=y\n',
    '/boot/grub/grub.cfg': { content: grubCfg, mode: 0o444 },
  },
  // Without the passphrase virt-inspector finds no operating system: nothing to compare.
  expect: {},
};
