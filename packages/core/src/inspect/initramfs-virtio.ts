/** Whether an initramfs, from the list of its files, already lets a kernel find a virtio root disk. */
import { posix } from 'node:path';

/**
 * Modules needed before the root file system is mounted: the PCI transport
 * and both disk drivers, since the target may put the disk on virtio-blk or
 * on virtio-scsi (libvirt-xml `diskBus`). `virtio` and `virtio_ring` come
 * along as their dependencies.
 */
export const VIRTIO_BOOT_MODULES = ['virtio_pci', 'virtio_blk', 'virtio_scsi'] as const;

/** Module name of a module file: `virtio-rng.ko.zst` → `virtio_rng`. */
export function moduleNameOf(path: string): string {
  return posix
    .basename(path)
    .replace(/\.ko(\.(xz|gz|zst|bz2))?$/, '')
    .replace(/-/g, '_');
}

/** Names of the kernel modules an initramfs carries for one kernel version (files under `[usr/]lib/modules/<version>/`). */
export function initramfsModules(files: readonly string[], version: string): Set<string> {
  const roots = [`lib/modules/${version}/`, `usr/lib/modules/${version}/`];
  const modules = new Set<string>();
  for (const file of files) {
    const name = file.replace(/^\.?\/+/, '');
    if (roots.some((root) => name.startsWith(root)) && /\.ko(\.(xz|gz|zst|bz2))?$/.test(name)) modules.add(moduleNameOf(name));
  }
  return modules;
}

/**
 * True when every virtio boot module the kernel has as a loadable module is
 * in the initramfs, and virtio_blk is there or built in. A module the kernel
 * lacks (or has built in) is not asked for.
 */
export function initramfsHasVirtio(modules: ReadonlySet<string>, kernel: { virtioBuiltIn: boolean; virtioModules: readonly string[] }): boolean {
  if (!kernel.virtioBuiltIn && !modules.has('virtio_blk')) return false;
  return VIRTIO_BOOT_MODULES.every((module) => !kernel.virtioModules.includes(module) || modules.has(module));
}
