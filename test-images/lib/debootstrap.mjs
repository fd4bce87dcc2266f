// Builder for kind 'debootstrap' recipes: a real, bootable Debian guest.
//
//   debootstrap tree -> recipe files -> initramfs with the recipe's modules
//   -> raw disk laid out as the recipe says (lib/layout.mjs: partitions, LVM,
//   ext4 / XFS / swap, each filled from its part of the tree) -> GRUB boot
//   code installed by the guest's own grub-install in the libguestfs
//   appliance -> exports (VMDK, VMX).
//
// Needs root: debootstrap and chroot do.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportDisk } from './export.mjs';
import { disksOf, writeDisks } from './layout.mjs';
import { luksCloseLines, luksOpenLines } from './luks.mjs';
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

/** Where the throwaway initramfs config lives in the guest while its first initramfs is built. */
const BUILD_CONF_DIR = '/tmp/initramfs-vmware';
/** The script that builds it inside the appliance (an encrypted root). */
const BUILD_SCRIPT = '/tmp/build-initramfs.sh';

/**
 * A throwaway initramfs config folder in the tree that lists only the
 * recipe's modules (MODULES=list), as the VMware install's `MODULES=dep`
 * would have. `dep` cannot be used here: it would probe THIS machine's
 * (virtio) disk, or the appliance's. The guest keeps MODULES=dep in its own config.
 */
async function writeBuildConfig(tree, modules) {
  await run('rm', ['-rf', join(tree, BUILD_CONF_DIR)]);
  await run('cp', ['-a', join(tree, 'etc/initramfs-tools'), join(tree, BUILD_CONF_DIR)]);
  await writeFile(join(tree, BUILD_CONF_DIR, 'modules'), modules.join('\n') + '\n');
  await run('sed', ['-i', 's/^MODULES=.*/MODULES=list/', join(tree, BUILD_CONF_DIR, 'initramfs.conf')]);
}

/** mkinitramfs in a chroot of the tree (an unencrypted root: nothing to detect). */
async function buildInitramfsInChroot(tree, kernel) {
  await run('chroot', [tree, 'mkinitramfs', '-d', BUILD_CONF_DIR, '-o', `/boot/initrd.img-${kernel}`, kernel]);
  await run('rm', ['-rf', join(tree, BUILD_CONF_DIR)]);
}

/**
 * The script that builds the initramfs of an encrypted root inside the
 * appliance, with the LUKS volumes open under their crypttab names.
 * cryptsetup's hook finds the root's volume through /proc/mounts, where the
 * appliance shows the guest's root at /sysroot, not /; for this one build
 * every crypttab entry gets the `initramfs` option, which makes the hook take
 * it without looking (the guest's crypttab is put back as it was).
 */
function buildInitramfsScript(kernel) {
  return `#!/bin/sh
set -e
cp -p /etc/crypttab /tmp/crypttab.orig
trap 'cp -p /tmp/crypttab.orig /etc/crypttab; rm -rf /tmp/crypttab.orig ${BUILD_CONF_DIR} ${BUILD_SCRIPT}' EXIT
awk '!/^[[:space:]]*(#|$)/ { $4 = ($4 == "" ? "initramfs" : $4 ",initramfs") } { print }' /tmp/crypttab.orig > /etc/crypttab
mkinitramfs -d ${BUILD_CONF_DIR} -o /boot/initrd.img-${kernel} ${kernel}
`;
}

/** lsinitramfs on the host: refuse an initramfs that holds a forbidden module or lacks what the root needs. */
async function checkInitramfs(image, kernel, { mustLack, rootFsType, encrypted }) {
  const { stdout } = await run('lsinitramfs', [image]);
  const has = (module) => new RegExp(`/${module}\\.ko(\\.[a-z]+)?$`, 'm').test(stdout);
  const present = mustLack.filter(has);
  if (present.length) throw new Error(`initramfs of ${kernel} contains ${present.join(', ')}; it must not`);
  if (!has(rootFsType)) throw new Error(`initramfs of ${kernel} lacks ${rootFsType}, the root's file system`);
  if (encrypted && !/^cryptroot\/crypttab$/m.test(stdout)) throw new Error(`initramfs of ${kernel} has no cryptroot/crypttab: it cannot open the root`);
}

/**
 * What needs the guest's disks, in one appliance launch: the LUKS volumes
 * opened, / and a separate /boot mounted, the initramfs built (when the root
 * is encrypted; copied out to `initramfsCopy` for the check) and the guest's
 * own grub-install. The guest's disk is not always /dev/sda there, so it is
 * derived from the file system holding /boot (a partition, where the root may
 * be an LV or a LUKS volume).
 * @param {string[]} imgs
 * @param {Array<{ device: string, fs: any, part: any }>} volumes
 * @param {{ kernel: string, initramfsCopy?: string }} o
 */
async function finishInAppliance(imgs, volumes, { kernel, initramfsCopy }) {
  const luks = [...new Map(volumes.filter((v) => v.inLuks).map((v) => [v.part.device, { device: v.part.device, luks: v.part.luks }])).values()];
  const mounted = volumes.filter((v) => v.fs.mount === '/' || v.fs.mount === '/boot').sort((a, b) => a.fs.mount.length - b.fs.mount.length);
  const script = [
    'run',
    ...luks.flatMap(luksOpenLines),
    ...mounted.map((v) => `mount ${v.device} ${v.fs.mount}`),
    ...(initramfsCopy ? [`sh "/bin/sh ${BUILD_SCRIPT}"`, `download /boot/initrd.img-${kernel} "${initramfsCopy}"`] : []),
    'sh "grub-install --target=i386-pc /dev/$(lsblk -no PKNAME $(findmnt -nvo SOURCE --target /boot))"',
    'umount-all',
    ...luks.flatMap(luksCloseLines),
    'exit',
  ];
  const keys = luks.length ? ['--keys-from-stdin'] : [];
  await run('guestfish', [...keys, '--format=raw', ...imgs.flatMap((img) => ['-a', img])], { input: script.join('\n') + '\n', stdin: undefined, env: applianceEnv() });
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
  const partitions = disksOf(recipe).flatMap((disk) => disk.partitions);
  const rootFs = partitions.flatMap((p) => [p.fs, ...(p.lvm?.lvs ?? []).map((lv) => lv.fs)]).find((fs) => fs?.mount === '/');
  // An encrypted root's initramfs is built in the appliance, where its volume is open (see buildInitramfsScript).
  const encrypted = partitions.some((p) => p.luks && p.fs?.mount === '/');
  const check = { mustLack: recipe.initramfsMustLack, rootFsType: rootFs.type, encrypted };
  await writeBuildConfig(tree, recipe.initramfsModules);
  if (encrypted) {
    await materialize(tree, { files: { [BUILD_SCRIPT]: { content: buildInitramfsScript(kernel), mode: 0o755 } } });
  } else {
    await step('initramfs', () => buildInitramfsInChroot(tree, kernel));
    await checkInitramfs(join(tree, 'boot', `initrd.img-${kernel}`), kernel, check);
  }
  // Nothing of the build host may stay in the image.
  await run('sh', ['-c', 'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/* "$1"/etc/machine-id && : > "$1"/etc/machine-id', 'sh', tree]);

  const { imgs, volumes } = await step('file systems', () => writeDisks(recipe, tree, workDir, { keepOwners: true }));
  const initramfsCopy = encrypted ? join(workDir, `initrd.img-${kernel}`) : undefined;
  await step(encrypted ? 'initramfs + grub-install' : 'grub-install', () => finishInAppliance(imgs, volumes, { kernel, initramfsCopy }));
  if (initramfsCopy) await checkInitramfs(initramfsCopy, kernel, check);
  const files = await step('export', () => exportDisk(imgs, outDir, recipe));
  process.stderr.write(`${recipe.name}: kernel ${kernel}; steps (s): ${JSON.stringify(stepSeconds)}\n`);
  return files;
}
