// Builder for kind 'debootstrap' recipes: a real, bootable Debian guest.
//
//   debootstrap tree -> recipe files -> initramfs with the recipe's modules
//   -> raw MBR disk, ext4 filled from the tree (mke2fs -d) -> GRUB boot code
//   installed by the guest's own grub-install in the libguestfs appliance
//   -> exports (VMDK, VMX).
//
// Needs root: debootstrap and chroot do.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRawDisk, fillExt, partitionDisk } from './disk.mjs';
import { exportDisk } from './export.mjs';
import { applianceEnv, run } from './run.mjs';
import { materialize } from './tree.mjs';

/** Step timings of the last build, printed by the builder (seconds). */
const stepSeconds = {};

async function step(name, fn) {
  const started = process.hrtime.bigint();
  try {
    return await fn();
  } finally {
    stepSeconds[name] = Math.round(Number(process.hrtime.bigint() - started) / 1e7) / 100;
  }
}

/** debootstrap the recipe's suite into `tree`. */
async function bootstrap(tree, { suite, mirror, variant, include }) {
  await run('debootstrap', [`--variant=${variant}`, `--include=${include.join(',')}`, '--components=main', suite, tree, mirror], {
    // INITRD=No: the kernel's postinst skips its initramfs; buildInitramfs makes the one we want.
    env: { DEBIAN_FRONTEND: 'noninteractive', INITRD: 'No' },
  });
}

/** The one kernel version installed in the tree. */
async function kernelVersion(tree) {
  const kernels = (await readdir(join(tree, 'boot'))).filter((f) => f.startsWith('vmlinuz-')).map((f) => f.slice('vmlinuz-'.length));
  if (kernels.length !== 1) throw new Error(`debootstrap: expected one kernel in /boot, found ${kernels.join(', ') || 'none'}`);
  return kernels[0];
}

/**
 * Build the initramfs from a throwaway config folder that lists only the
 * recipe's modules (MODULES=list), as the VMware install's `MODULES=dep`
 * would have. `dep` cannot be used here: it would probe THIS machine's
 * (virtio) disk. The guest keeps MODULES=dep in its own config.
 */
async function buildInitramfs(tree, kernel, modules) {
  const confDir = '/tmp/initramfs-vmware';
  await run('rm', ['-rf', join(tree, confDir)]);
  await run('cp', ['-a', join(tree, 'etc/initramfs-tools'), join(tree, confDir)]);
  await writeFile(join(tree, confDir, 'modules'), modules.join('\n') + '\n');
  await run('sed', ['-i', 's/^MODULES=.*/MODULES=list/', join(tree, confDir, 'initramfs.conf')]);
  await run('chroot', [tree, 'mkinitramfs', '-d', confDir, '-o', `/boot/initrd.img-${kernel}`, kernel]);
  await run('rm', ['-rf', join(tree, confDir)]);
}

/** lsinitramfs on the host: refuse an initramfs that holds a forbidden module. */
async function checkInitramfs(tree, kernel, mustLack) {
  const { stdout } = await run('lsinitramfs', [join(tree, 'boot', `initrd.img-${kernel}`)]);
  const present = mustLack.filter((m) => new RegExp(`/${m}\\.ko(\\.[a-z]+)?$`, 'm').test(stdout));
  if (present.length) throw new Error(`initramfs of ${kernel} contains ${present.join(', ')}; it must not`);
  if (!/\/ext4\.ko/.test(stdout)) throw new Error(`initramfs of ${kernel} lacks ext4`);
}

/**
 * grub-install of the guest itself, inside the appliance. The guest's disk is
 * not always /dev/sda there, so the device is derived from the mounted root.
 */
async function installGrub(img, rootDevice) {
  const script = [
    'run',
    `mount ${rootDevice} /`,
    'sh "grub-install --target=i386-pc /dev/$(lsblk -no PKNAME $(findmnt -nvo SOURCE /))"',
    'umount /',
    'exit',
  ];
  await run('guestfish', ['--format=raw', '-a', img], { input: script.join('\n') + '\n', stdin: undefined, env: applianceEnv() });
}

/**
 * Build a bootable Debian guest disk and export it.
 * @param {any} recipe
 * @param {{ outDir: string, workDir: string }} where
 * @returns {Promise<Record<string,string>>} format -> file name in outDir
 */
export async function build(recipe, { outDir, workDir }) {
  if (process.getuid?.() !== 0) throw new Error(`${recipe.name}: building a debootstrap guest needs root (debootstrap, chroot)`);
  const tree = join(workDir, 'tree');
  await step('debootstrap', () => bootstrap(tree, recipe.debootstrap));
  const kernel = await kernelVersion(tree);
  await materialize(tree, { files: { ...recipe.files, '/boot/grub/grub.cfg': recipe.grubCfg({ kernel }) } });
  await run('sed', ['-i', 's/^MODULES=.*/MODULES=dep/', join(tree, 'etc/initramfs-tools/initramfs.conf')]);
  await run('chroot', [tree, 'systemctl', 'enable', ...recipe.enable]);
  await step('initramfs', () => buildInitramfs(tree, kernel, recipe.initramfsModules));
  await checkInitramfs(tree, kernel, recipe.initramfsMustLack);
  // Nothing of the build host may stay in the image.
  await run('sh', ['-c', 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/etc/machine-id && : > "$1"/etc/machine-id', 'sh', tree]);

  const img = join(workDir, 'disk.raw');
  await createRawDisk(img, recipe.disk.sizeMiB);
  const [root] = await partitionDisk(img, recipe.disk, recipe.partitions);
  await step('mke2fs', () => fillExt(img, root, root.fs, tree));
  await step('grub-install', () => installGrub(img, root.device));
  const files = await step('export', () => exportDisk(img, outDir, recipe));
  process.stderr.write(`${recipe.name}: kernel ${kernel}; steps (s): ${JSON.stringify(stepSeconds)}\n`);
  return files;
}
