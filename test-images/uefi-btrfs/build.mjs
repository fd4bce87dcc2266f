// Builder for kind 'debootstrap-uefi-btrfs' recipes: a real, bootable Debian
// guest as a UEFI install on btrfs leaves it, with dracut as its initramfs
// tool.
//
//   debootstrap tree (+ the recipe's `debootstrap.then` packages, e.g.
//   dracut, which replaces initramfs-tools) -> recipe files -> the dracut
//   initramfs the recipe describes -> the guest's GRUB EFI image (its own
//   grub-mkimage, in a chroot) in the ESP under EFI/<id>/ only, as
//   `grub-install --no-nvram` leaves it: no EFI/BOOT fallback, the firmware
//   boot entry lived in the old hypervisor's NVRAM -> GPT disk: the ESP
//   filled on the host, the btrfs subvolumes and snapshots in one libguestfs
//   appliance (btrfs/build.mjs) -> exports.
//
// Recipe, beyond kind 'debootstrap': `dracut: { drivers, omit, omitDrivers }`
// (what the VMware host-only image had and lacked), `efi: { id, prefix,
// modules }` (the loader's folder, GRUB's prefix on the root, the modules
// built into it), `grubCfg({ kernel })`.
// Needs root: debootstrap and chroot do.
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { btrfsLines } from '../btrfs/build.mjs';
import { createRawDisk, fillVfat, partitionDisk } from '../lib/disk.mjs';
import { exportDisk } from '../lib/export.mjs';
import { disksOf } from '../lib/layout.mjs';
import { applianceEnv, run } from '../lib/run.mjs';
import { materialize, splitByMountPoint } from '../lib/tree.mjs';

const stepSeconds = {};

async function step(name, fn) {
  const started = process.hrtime.bigint();
  try {
    return await fn();
  } finally {
    stepSeconds[name] = Math.round(Number(process.hrtime.bigint() - started) / 1e7) / 100;
  }
}

/** debootstrap, then the packages debootstrap cannot pick (dracut: the kernel's dependency resolves to initramfs-tools first). */
async function bootstrap(tree, { suite, mirror, variant, include, then = [] }) {
  // INITRD=No: no initramfs is made while packages install; the recipe's is made after.
  const env = { DEBIAN_FRONTEND: 'noninteractive', INITRD: 'No' };
  await run('debootstrap', [`--variant=${variant}`, `--include=${include.join(',')}`, '--components=main', suite, tree, mirror], { env });
  if (then.length) await run('chroot', [tree, 'apt-get', 'install', '-y', '--no-install-recommends', ...then], { env });
}

async function kernelVersion(tree) {
  const kernels = (await readdir(join(tree, 'boot'))).filter((f) => f.startsWith('vmlinuz-')).map((f) => f.slice('vmlinuz-'.length));
  if (kernels.length !== 1) throw new Error(`debootstrap: expected one kernel in /boot, found ${kernels.join(', ') || 'none'}`);
  return kernels[0];
}

/**
 * The initramfs the guest had on VMware: dracut's host-only image there held
 * the VMware storage drivers and none of virtio. Host-only cannot be used
 * here (it would look at THIS machine), so the generic image is made without
 * virtio and without dracut's qemu modules, which a VMware host never pulls in.
 */
async function buildInitramfs(tree, kernel, { drivers = [], omit = [], omitDrivers = [] }) {
  const image = `/boot/initrd.img-${kernel}`;
  await run('chroot', [
    tree, 'dracut', '--force', '--no-hostonly', '--no-hostonly-cmdline',
    ...(drivers.length ? ['--add-drivers', drivers.join(' ')] : []),
    ...(omit.length ? ['--omit', omit.join(' ')] : []),
    ...(omitDrivers.length ? ['--omit-drivers', omitDrivers.join(' ')] : []),
    image, kernel,
  ]);
  return image;
}

/** lsinitrd (the guest's, in its chroot): refuse an image with a forbidden module or without the root's file system. */
async function checkInitramfs(tree, image, { mustLack, rootFsType }) {
  const { stdout } = await run('chroot', [tree, 'lsinitrd', image]);
  const has = (module) => new RegExp(`/${module}\\.ko(\\.[a-z]+)?$`, 'm').test(stdout);
  const present = mustLack.filter(has);
  if (present.length) throw new Error(`${image} contains ${present.join(', ')}; it must not`);
  if (!has(rootFsType)) throw new Error(`${image} lacks ${rootFsType}, the root's file system`);
}

/**
 * GRUB's EFI image in EFI/<id>/ of the ESP, made by the guest's own
 * grub-mkimage with the early config grub-install embeds (find the root by
 * UUID, prefix on it); the modules copied to /boot/grub/x86_64-efi as
 * grub-install does.
 */
async function installGrubEfi(tree, { id, prefix, modules }, rootUuid) {
  const dir = join(tree, 'boot/efi/EFI', id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(tree, 'tmp/grub-early.cfg'), `search.fs_uuid ${rootUuid} root\nset prefix=($root)'${prefix}'\nconfigfile $prefix/grub.cfg\n`);
  await run('chroot', [tree, 'grub-mkimage', '-O', 'x86_64-efi', '-o', `/boot/efi/EFI/${id}/grubx64.efi`, '-p', prefix, '-c', '/tmp/grub-early.cfg', ...modules]);
  await run('rm', ['-f', join(tree, 'tmp/grub-early.cfg')]);
  await cp(join(tree, 'usr/lib/grub/x86_64-efi'), join(tree, 'boot/grub/x86_64-efi'), { recursive: true });
}

/**
 * Build the guest's disk and export it.
 * @param {any} recipe
 * @param {{ outDir: string, workDir: string }} where
 * @returns {Promise<Record<string,string>>} format -> file name in outDir
 */
export async function build(recipe, { outDir, workDir }) {
  if (process.getuid?.() !== 0) throw new Error(`${recipe.name}: building a debootstrap guest needs root (debootstrap, chroot)`);
  const disks = disksOf(recipe);
  if (disks.length !== 1) throw new Error(`${recipe.name}: this builder makes one disk`);
  const [disk] = disks;
  const btrfsPart = disk.partitions.find((p) => p.fs?.type === 'btrfs');
  const esp = disk.partitions.find((p) => p.type === 'esp');
  if (!btrfsPart || !esp) throw new Error(`${recipe.name}: this builder needs an ESP and a btrfs partition`);
  const tree = join(workDir, 'tree');
  await step('debootstrap', () => bootstrap(tree, recipe.debootstrap));
  const kernel = await kernelVersion(tree);
  await materialize(tree, { files: { ...recipe.files, '/boot/grub/grub.cfg': recipe.grubCfg({ kernel }) } });
  await run('chroot', [tree, 'systemctl', 'enable', ...recipe.enable]);
  const image = await step('initramfs', () => buildInitramfs(tree, kernel, recipe.dracut));
  await checkInitramfs(tree, image, { mustLack: recipe.initramfsMustLack, rootFsType: 'btrfs' });
  await step('grub efi', () => installGrubEfi(tree, recipe.efi, btrfsPart.fs.uuid));
  // Nothing of the build host may stay in the image.
  await run('sh', ['-c', 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/etc/machine-id && : > "$1"/etc/machine-id', 'sh', tree]);

  const img = join(workDir, 'disk.raw');
  await createRawDisk(img, disk.sizeMiB);
  const parts = await partitionDisk(img, disk, disk.partitions);
  const mounts = [esp.fs.mount, ...btrfsPart.fs.subvolumes.map((subvolume) => subvolume.mount)].filter(Boolean);
  const dirs = await step('split tree', () => splitByMountPoint(tree, mounts, workDir));
  const espPart = parts.find((p) => p.type === 'esp');
  await fillVfat(img, espPart, espPart.fs, dirs.get(esp.fs.mount));
  let n = 0;
  const lines = ['run', ...(await btrfsLines(parts.find((p) => p.fs?.type === 'btrfs'), dirs, workDir, () => n++, { keepOwners: true })), 'exit'];
  await step('btrfs', () => run('guestfish', ['--format=raw', '-a', img], { input: lines.join('\n') + '\n', stdin: undefined, env: applianceEnv() }));
  const files = await step('export', () => exportDisk([img], outDir, recipe));
  process.stderr.write(`${recipe.name}: kernel ${kernel}; steps (s): ${JSON.stringify(stepSeconds)}\n`);
  return files;
}
