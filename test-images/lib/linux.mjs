// Builder for kind 'linux' recipes: tree -> partitioned raw disk -> exports.
import { join } from 'node:path';
import {
  createRawDisk, fillExt, fillInAppliance, fillVfat, isHostFillable, partitionDisk, writeGrubBootCode, writeSwap,
} from './disk.mjs';
import { exportDisk } from './export.mjs';
import { writeRpmDb } from './rpmdb.mjs';
import { materialize, splitByMountPoint } from './tree.mjs';

/**
 * Every file system of the recipe with the device it lives on (as the guest
 * names it) and whether it sits on LVM.
 * @returns {Array<{ device: string, fs: any, onLvm: boolean, part: any }>}
 */
export function volumesOf(layout) {
  const volumes = [];
  for (const part of layout) {
    if (part.fs) volumes.push({ device: part.device, fs: part.fs, onLvm: false, part });
    for (const lv of part.lvm?.lvs ?? []) {
      if (lv.fs) volumes.push({ device: `/dev/${part.lvm.vg}/${lv.name}`, fs: lv.fs, onLvm: true, part });
    }
  }
  return volumes;
}

/** Create and fill one file system with host tools. */
async function fillOnHost(img, volume, dir, workDir) {
  const { fs, part } = volume;
  if (fs.type === 'swap') return writeSwap(img, part, fs, workDir);
  if (fs.type === 'vfat') return fillVfat(img, part, fs, dir);
  return fillExt(img, part, fs, dir);
}

/**
 * Build a Linux guest disk and export it.
 * @param {any} recipe
 * @param {{ outDir: string, workDir: string }} where
 * @returns {Promise<Record<string,string>>} format -> file name in outDir
 */
export async function build(recipe, { outDir, workDir }) {
  const tree = join(workDir, 'tree');
  await materialize(tree, recipe);
  if (recipe.rpmPackages?.length) await writeRpmDb(tree, recipe.rpmPackages, workDir);

  const img = join(workDir, 'disk.raw');
  await createRawDisk(img, recipe.disk.sizeMiB);
  const layout = await partitionDisk(img, recipe.disk, recipe.partitions);
  if (recipe.disk.bootCode === 'grub') await writeGrubBootCode(img);

  const volumes = volumesOf(layout);
  const mounts = volumes.map((v) => v.fs.mount).filter(Boolean);
  const dirs = await splitByMountPoint(tree, mounts, workDir);

  const inAppliance = [];
  for (const volume of volumes) {
    const dir = volume.fs.mount ? dirs.get(volume.fs.mount) : undefined;
    if (isHostFillable(volume.fs, volume.onLvm)) await fillOnHost(img, volume, dir, workDir);
    else inAppliance.push({ device: volume.device, fs: volume.fs, dir });
  }
  const lvm = layout.filter((p) => p.lvm).map((part) => ({ part, vg: part.lvm.vg, lvs: part.lvm.lvs }));
  if (lvm.length || inAppliance.length) await fillInAppliance(img, { lvm, volumes: inAppliance }, workDir);

  return exportDisk(img, outDir, recipe);
}
