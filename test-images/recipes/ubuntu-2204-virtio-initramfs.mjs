// The ubuntu-2204 guest (same files, see ubuntu-2204.mjs) after an admin
// rebuilt the initramfs of its default kernel with MODULES=most: that image
// already carries virtio_pci, virtio_blk and virtio_scsi, while the older
// kernel's image still has the VMware drivers only. Trap: the default image
// is not one gzip'd archive but an uncompressed early microcode archive
// (with its 512-byte padding) followed by the gzip'd main archive, as
// initramfs-tools writes it when intel-microcode is installed; tools that
// gunzip the whole file (libguestfs initrd-list) cannot read it.
// Kernels, modules, initramfs contents and binaries are PLACEHOLDERS.
import { gzipSync } from 'node:zlib';
import { cpioArchive } from '../lib/content.mjs';
import ubuntu from './ubuntu-2204.mjs';

const KERNEL = '5.15.0-91-generic';
const MODULES = `/usr/lib/modules/${KERNEL}/kernel/drivers`;

/** The early archive the kernel reads microcode from, padded to 512 bytes as cpio writes it. */
function earlyMicrocode() {
  const archive = cpioArchive({ '/kernel/x86/microcode/GenuineIntel.bin': 'placeholder microcode\n' });
  return Buffer.concat([archive, Buffer.alloc((512 - (archive.length % 512)) % 512)]);
}

const mainArchive = cpioArchive({
  '/init': '#!/bin/sh\n# placeholder for the initramfs-tools /init script\n',
  '/conf/initramfs.conf': 'MODULES=most\nBUSYBOX=auto\nCOMPRESS=gzip\nRUNSIZE=10%\nFSTYPE=ext4\n',
  '/bin/busybox': 'placeholder\n',
  [`${MODULES}/scsi/vmw_pvscsi.ko`]: '',
  [`${MODULES}/virtio/virtio_pci.ko`]: '',
  [`${MODULES}/block/virtio_blk.ko`]: '',
  [`${MODULES}/scsi/virtio_scsi.ko`]: '',
  [`/usr/lib/modules/${KERNEL}/modules.dep`]: 'kernel/drivers/scsi/vmw_pvscsi.ko:\nkernel/drivers/virtio/virtio_pci.ko:\nkernel/drivers/block/virtio_blk.ko:\nkernel/drivers/scsi/virtio_scsi.ko:\n',
});

export default {
  ...ubuntu,
  name: 'ubuntu-2204-virtio-initramfs',
  description: 'Ubuntu 22.04.3 LTS on VMware whose default kernel’s initramfs (early microcode + gzip) already carries virtio',
  files: {
    ...ubuntu.files,
    [`/boot/initrd.img-${KERNEL}`]: Buffer.concat([earlyMicrocode(), gzipSync(mainArchive, { level: 9 })]),
  },
  expect: { ...ubuntu.expect },
};
