/** Which kernels can boot on virtio, which need their initramfs rebuilt, and which modules to declare. */
import { compareKernelVersions, VIRTIO_MODULES, type KernelFacts } from '@hyper2kvm/core';

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

/**
 * The series of a kernel: its major.minor and, when the version ends in one,
 * its flavour (`6.1 amd64`, `6.1 cloud-amd64`, `5.15 generic`, `5.14` for RHEL's
 * `5.14.0-362.8.1.el9_3.x86_64`). Distributions keep several builds of one
 * series; the boot menu starts the newest.
 */
export function kernelSeries(version: string): string {
  const [major = '', minor = ''] = version.split(/[.-]/);
  const flavour = /-\d+-([a-z][a-z0-9_-]*)$/i.exec(version)?.[1];
  return flavour ? `${major}.${minor} ${flavour}` : `${major}.${minor}`;
}

/** The newest kernel of each series (`newest`, in the given order) and the older builds (`older`, with the kernel that supersedes each). */
export function newestPerSeries<K extends Pick<KernelFacts, 'version'>>(kernels: K[]): { newest: K[]; older: { kernel: K; newer: K }[] } {
  const best = new Map<string, K>();
  for (const kernel of kernels) {
    const series = kernelSeries(kernel.version);
    const current = best.get(series);
    if (!current || compareKernelVersions(kernel.version, current.version) > 0) best.set(series, kernel);
  }
  const newest = kernels.filter((kernel) => best.get(kernelSeries(kernel.version)) === kernel);
  const older = kernels.filter((kernel) => !newest.includes(kernel)).map((kernel) => ({ kernel, newer: best.get(kernelSeries(kernel.version))! }));
  return { newest, older };
}
