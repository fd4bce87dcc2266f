/** Which kernels can boot on virtio, which need their initramfs rebuilt, and which modules to declare. */
import { VIRTIO_MODULES, type KernelFacts } from '@hyper2kvm/core';

export interface KernelSelection {
  /** Kernels with virtio_blk built in or as a module. */
  usable: KernelFacts[];
  /** Kernels with no virtio_blk at all: they cannot find a virtio disk. */
  withoutVirtio: KernelFacts[];
  /** Usable kernels whose virtio_blk is a module and whose initramfs is not known to carry the virtio boot modules: rebuilt. */
  needRebuild: KernelFacts[];
  /** Usable kernels whose initramfs inspection found already carrying them (`initramfsHasVirtio`): not rebuilt. */
  initramfsReady: KernelFacts[];
  /** Virtio modules that exist for at least one usable kernel, in VIRTIO_MODULES order. */
  modules: string[];
}

/** True when the kernel can reach a virtio-blk root disk. */
export function hasVirtioBlock(kernel: KernelFacts): boolean {
  return kernel.virtioBuiltIn || kernel.virtioModules.includes('virtio_blk');
}

export function selectKernels(kernels: KernelFacts[]): KernelSelection {
  const usable = kernels.filter(hasVirtioBlock);
  const withoutVirtio = kernels.filter((kernel) => !hasVirtioBlock(kernel));
  const modular = usable.filter((kernel) => !kernel.virtioBuiltIn);
  // Unknown (an initramfs that could not be listed) counts as "no virtio".
  const needRebuild = modular.filter((kernel) => kernel.initramfsHasVirtio !== true);
  const initramfsReady = modular.filter((kernel) => kernel.initramfsHasVirtio === true);
  const present = new Set(usable.flatMap((kernel) => kernel.virtioModules));
  return { usable, withoutVirtio, needRebuild, initramfsReady, modules: VIRTIO_MODULES.filter((module) => present.has(module)) };
}
