/** Installed kernels, their initramfs and what virtio support each has. */
import { posix } from 'node:path';
import type { KernelFacts } from '../facts.js';
import type { GuestView } from '../plan/planned-guest.js';
import { initramfsHasVirtio, initramfsModules, moduleNameOf } from './initramfs-virtio.js';

/** Virtio modules worth having in an initramfs, most important first. */
export const VIRTIO_MODULES = [
  'virtio',
  'virtio_ring',
  'virtio_pci',
  'virtio_blk',
  'virtio_scsi',
  'virtio_net',
  'virtio_console',
  'virtio_rng',
  'virtio_balloon',
];

/** Kernel config symbols meaning "built in" for each module. */
const builtInSymbols: Record<string, string> = {
  virtio: 'CONFIG_VIRTIO',
  virtio_ring: 'CONFIG_VIRTIO',
  virtio_pci: 'CONFIG_VIRTIO_PCI',
  virtio_blk: 'CONFIG_VIRTIO_BLK',
  virtio_scsi: 'CONFIG_SCSI_VIRTIO',
  virtio_net: 'CONFIG_VIRTIO_NET',
  virtio_console: 'CONFIG_VIRTIO_CONSOLE',
  virtio_rng: 'CONFIG_HW_RANDOM_VIRTIO',
  virtio_balloon: 'CONFIG_VIRTIO_BALLOON',
};

const initramfsPatterns = ['/boot/initrd.img-{v}', '/boot/initramfs-{v}.img', '/boot/initrd-{v}', '/boot/initramfs-{v}', '/boot/initrd-{v}.img'];

/** Module names (`virtio_blk`) found in modules.dep / modules.builtin or on disk. */
async function modulesOf(guest: GuestView, modulesDir: string): Promise<{ loadable: Set<string>; builtIn: Set<string> }> {
  const loadable = new Set<string>();
  const builtIn = new Set<string>();
  const dep = await guest.readText(`${modulesDir}/modules.dep`);
  if (dep !== null) {
    for (const line of dep.split('\n')) {
      const path = line.split(':')[0];
      if (path) loadable.add(moduleNameOf(path));
    }
  }
  const builtin = await guest.readText(`${modulesDir}/modules.builtin`);
  if (builtin !== null) for (const line of builtin.split('\n')) if (line.trim()) builtIn.add(moduleNameOf(line.trim()));
  if (dep === null) {
    for (const dir of ['drivers/virtio', 'drivers/block', 'drivers/scsi', 'drivers/net', 'drivers/char', 'drivers/char/hw_random']) {
      for (const path of await guest.glob(`${modulesDir}/kernel/${dir}/virtio*.ko*`)) loadable.add(moduleNameOf(path));
    }
  }
  return { loadable, builtIn };
}

async function configBuiltIns(guest: GuestView, version: string): Promise<Set<string>> {
  const config = await guest.readText(`/boot/config-${version}`);
  const builtIn = new Set<string>();
  if (config === null) return builtIn;
  const yes = new Set(
    config
      .split('\n')
      .filter((line) => line.endsWith('=y'))
      .map((line) => line.slice(0, -2)),
  );
  for (const [module, symbol] of Object.entries(builtInSymbols)) if (yes.has(symbol)) builtIn.add(module);
  return builtIn;
}

/** Options of {@link findKernels}. */
export interface FindKernelsOptions {
  /**
   * Lists the files of an initramfs image (the adapter's `listInitramfs`).
   * Without it, or when it fails, `initramfsHasVirtio` stays unknown.
   */
  listInitramfs?: (path: string) => Promise<string[]>;
}

/** Every kernel image under /boot with its modules folder and initramfs, and whether that initramfs has virtio. */
export async function findKernels(guest: GuestView, options: FindKernelsOptions = {}): Promise<KernelFacts[]> {
  const images = [...(await guest.glob('/boot/vmlinuz-*')), ...(await guest.glob('/boot/vmlinux-*'))].filter(
    (path) => !/\.(old|bak|hmac)$/.test(path) && !path.includes('rescue'),
  );
  const moduleDirs = (await guest.exists('/lib/modules')) ? await guest.readdir('/lib/modules') : [];
  const kernels: KernelFacts[] = [];
  for (const image of images) {
    const suffix = posix.basename(image).replace(/^vmlinu[xz]-/, '');
    // Alpine names images by flavour (vmlinuz-lts); its modules folder ends with the flavour.
    const version = moduleDirs.includes(suffix) ? suffix : (moduleDirs.find((dir) => dir.endsWith(`-${suffix}`)) ?? suffix);
    let initramfs: string | undefined;
    for (const pattern of initramfsPatterns) {
      for (const candidate of [pattern.replace('{v}', version), pattern.replace('{v}', suffix)]) {
        if (!initramfs && (await guest.exists(candidate))) initramfs = candidate;
      }
    }
    const modulesDir = `/lib/modules/${version}`;
    const { loadable, builtIn } = (await guest.exists(modulesDir))
      ? await modulesOf(guest, modulesDir)
      : { loadable: new Set<string>(), builtIn: new Set<string>() };
    for (const module of await configBuiltIns(guest, version)) builtIn.add(module);
    const kernel: KernelFacts = {
      version,
      image,
      ...(initramfs ? { initramfs } : {}),
      virtioBuiltIn: builtIn.has('virtio_blk'),
      virtioModules: VIRTIO_MODULES.filter((module) => loadable.has(module)),
    };
    if (initramfs && options.listInitramfs) {
      const files = await options.listInitramfs(initramfs).catch(() => null);
      // An image that cannot be listed stays unknown: the caller rebuilds it as if it had no virtio.
      if (files) kernel.initramfsHasVirtio = initramfsHasVirtio(initramfsModules(files, version), kernel);
    }
    kernels.push(kernel);
  }
  return kernels.sort((a, b) => compareKernelVersions(b.version, a.version));
}

/** Orders kernel versions numerically (`5.15.0-91` after `5.15.0-9`). */
export function compareKernelVersions(a: string, b: string): number {
  const split = (version: string): (number | string)[] => version.split(/[.\-_+~]/).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const left = split(a);
  const right = split(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const x = left[i];
    const y = right[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x).localeCompare(String(y));
  }
  return 0;
}
