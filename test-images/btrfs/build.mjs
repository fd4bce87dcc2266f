// Builder for kind 'linux-btrfs' recipes: a phony Linux guest whose root is
// a btrfs subvolume, with snapshots of it. Kept apart from lib/ (its own
// kind, its own folder in the hash) so that adding btrfs did not change the
// hash of every other image.
//
// Recipe: as kind 'linux' (lib/linux.mjs), and a partition with
//   fs: { type: 'btrfs', uuid?, label?,
//         subvolumes: [{ path: '@', mount?: '/' }, ...],       // created in this order (so their IDs are too)
//         snapshots: [{ of: '@', path: '@snapshots/1/snapshot', readOnly?: true,
//                       files?: { '/etc/hostname': 'old\n' } }] }
// A snapshot is taken of its subvolume as the tree fills it but with `files`
// as they were then (the subvolume gets the tree's versions back after). The
// subvolume it is taken of is made as `PATH.before`, snapshotted, then
// snapshotted again (writable) to PATH and deleted: so the live subvolume has
// a higher ID than its snapshots and libguestfs lists the snapshot first, as
// after a snapper rollback.
// The btrfs work needs a kernel: one libguestfs appliance launch (guestfish,
// TCG forced through applianceEnv). Other partitions (swap, FAT, ext4) are
// made on the host as lib/layout.mjs does.
import { access, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRawDisk, fillExt, fillVfat, partitionDisk, writeGrubBootCode, writeSwap } from '../lib/disk.mjs';
import { exportDisk } from '../lib/export.mjs';
import { disksOf } from '../lib/layout.mjs';
import { applianceEnv, run } from '../lib/run.mjs';
import { materialize, splitByMountPoint, tarTree } from '../lib/tree.mjs';

/**
 * Build the guest's disk and export it.
 * @param {any} recipe
 * @param {{ outDir: string, workDir: string }} where
 * @returns {Promise<Record<string,string>>} format -> file name in outDir
 */
export async function build(recipe, { outDir, workDir }) {
  const disks = disksOf(recipe);
  if (disks.length !== 1) throw new Error(`${recipe.name}: the btrfs builder makes one disk`);
  const [disk] = disks;
  const tree = join(workDir, 'tree');
  await materialize(tree, recipe);

  const img = join(workDir, 'disk.raw');
  await createRawDisk(img, disk.sizeMiB);
  const parts = await partitionDisk(img, disk, disk.partitions);
  if (disk.bootCode === 'grub') await writeGrubBootCode(img);

  const btrfs = parts.filter((part) => part.fs?.type === 'btrfs');
  const others = parts.filter((part) => part.fs && part.fs.type !== 'btrfs');
  const mounts = [
    ...others.map((part) => part.fs.mount),
    ...btrfs.flatMap((part) => part.fs.subvolumes.map((subvolume) => subvolume.mount)),
  ].filter(Boolean);
  const dirs = await splitByMountPoint(tree, mounts, workDir);

  for (const part of others) {
    const dir = part.fs.mount ? dirs.get(part.fs.mount) : undefined;
    if (part.fs.type === 'swap') await writeSwap(img, part, part.fs, workDir);
    else if (part.fs.type === 'vfat') await fillVfat(img, part, part.fs, dir);
    else if (/^ext[234]$/.test(part.fs.type)) await fillExt(img, part, part.fs, dir);
    else throw new Error(`${recipe.name}: the btrfs builder cannot make ${part.fs.type} on ${part.device}`);
  }

  const lines = ['run'];
  let n = 0;
  for (const part of btrfs) {
    lines.push(...(await btrfsLines(part, dirs, workDir, () => n++)));
  }
  lines.push('exit');
  await run('guestfish', ['--format=raw', '-a', img], { input: lines.join('\n') + '\n', stdin: undefined, env: applianceEnv() });
  return exportDisk([img], outDir, recipe);
}

/**
 * guestfish lines making one btrfs file system with its subvolumes and snapshots.
 * @param {any} part a partition from partitionDisk, `fs.type === 'btrfs'`
 * @param {Map<string,string>} dirs mount point -> folder (splitByMountPoint)
 * @param {string} workDir
 * @param {() => number} next a counter for scratch file names
 * @param {{ keepOwners?: boolean }} [o] keep the tree's owners (a real system's tree)
 */
export async function btrfsLines(part, dirs, workDir, next, { keepOwners = false } = {}) {
  const { device, fs } = part;
  const lines = [`mkfs btrfs ${device}${fs.label ? ` label:${fs.label}` : ''}`];
  if (fs.uuid) lines.push(`set-uuid ${device} ${fs.uuid}`);
  lines.push(`mount ${device} /`);
  const snapshots = fs.snapshots ?? [];
  for (const subvolume of fs.subvolumes) {
    const dir = subvolume.mount ? dirs.get(subvolume.mount) : undefined;
    const tar = dir ? await tarTree(dir, join(workDir, `btrfs-${next()}.tar`), { keepOwners }) : undefined;
    const own = snapshots.filter((snapshot) => snapshot.of === subvolume.path);
    const path = `/${subvolume.path}`;
    lines.push(`mkdir-p "${dirname(path)}"`);
    if (own.length === 0) {
      lines.push(`btrfs-subvolume-create "${path}"`);
      if (tar) lines.push(`tar-in "${tar}" "${path}"`);
      continue;
    }
    const before = `${path}.before`;
    lines.push(`btrfs-subvolume-create "${before}"`);
    if (tar) lines.push(`tar-in "${tar}" "${before}"`);
    const changed = new Set();
    for (const snapshot of own) {
      for (const [file, content] of Object.entries(snapshot.files ?? {})) {
        const scratch = join(workDir, `btrfs-${next()}.file`);
        await writeFile(scratch, content);
        lines.push(`mkdir-p "${dirname(before + file)}"`, `upload "${scratch}" "${before}${file}"`);
        changed.add(file);
      }
      lines.push(`mkdir-p "${dirname(`/${snapshot.path}`)}"`);
      lines.push(`btrfs-subvolume-snapshot "${before}" "/${snapshot.path}"${snapshot.readOnly ? ' ro:true' : ''}`);
    }
    lines.push(`btrfs-subvolume-snapshot "${before}" "${path}"`, `btrfs-subvolume-delete "${before}"`);
    // The live subvolume gets the tree's files back (or loses those the tree does not have).
    for (const file of changed) {
      if (dir && (await exists(join(dir, file)))) lines.push(`upload "${join(dir, file)}" "${path}${file}"`);
      else lines.push(`rm-f "${path}${file}"`);
    }
  }
  lines.push('umount /');
  return lines;
}

async function exists(path) {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
