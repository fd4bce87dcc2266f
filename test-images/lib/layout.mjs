// A recipe's disk layout made real: partition tables, LVM, LUKS and file
// systems, each filled from its part of the guest tree. Shared by the phony
// builder (lib/linux.mjs) and the bootable one (lib/debootstrap.mjs).
import { join } from 'node:path';
import { createRawDisk, fillExt, fillInAppliance, fillVfat, isHostFillable, partitionDisk, writeGrubBootCode, writeSwap } from './disk.mjs';
import { luksMapperDevice, writeLuksHeader } from './luks.mjs';
import { splitByMountPoint } from './tree.mjs';

/**
 * The recipe's disks in VM order, each with its partitions: `disks: [...]`,
 * or the single-disk form `disk` + `partitions`.
 * @returns {Array<{ sizeMiB: number, table: 'mbr'|'gpt', id?: string, bootCode?: string, partitions: any[] }>}
 */
export function disksOf(recipe) {
  if (recipe.disks && (recipe.disk || recipe.partitions)) throw new Error(`${recipe.name}: give either disks or disk + partitions, not both`);
  if (recipe.disks) return recipe.disks;
  return [{ ...recipe.disk, partitions: recipe.partitions }];
}

/** /dev/sda, /dev/sdb, ...: how the appliance and the VMware guest name the VM's disks in order. */
const diskDevice = (index) => `/dev/sd${String.fromCharCode(97 + index)}`;

/**
 * Every file system of the recipe with the device it lives on (as the guest
 * names it) and whether it sits on LVM.
 * @returns {Array<{ device: string, fs: any, onLvm: boolean, inLuks?: boolean, part: any }>}
 */
export function volumesOf(layout) {
  const volumes = [];
  for (const part of layout) {
    if (part.fs) volumes.push({ device: part.luks ? luksMapperDevice(part.luks) : part.device, fs: part.fs, onLvm: false, inLuks: Boolean(part.luks), part });
    for (const lv of part.lvm?.lvs ?? []) {
      if (lv.fs) volumes.push({ device: `/dev/${part.lvm.vg}/${lv.name}`, fs: lv.fs, onLvm: true, part });
    }
  }
  return volumes;
}

/**
 * The volume groups: every `lvm` partition naming a VG is one of its PVs (in
 * disk order, so a VG can span disks); its LVs are those the partitions list.
 * @returns {Array<{ vg: string, pvs: string[], lvs: any[] }>}
 */
export function volumeGroupsOf(layout) {
  const groups = new Map();
  for (const part of layout.filter((p) => p.lvm)) {
    const group = groups.get(part.lvm.vg) ?? { vg: part.lvm.vg, pvs: [], lvs: [] };
    group.pvs.push(part.device);
    group.lvs.push(...(part.lvm.lvs ?? []));
    groups.set(part.lvm.vg, group);
  }
  return [...groups.values()];
}

/** Create and fill one file system with host tools, in the image its partition is on. */
async function fillOnHost(volume, dir, workDir) {
  const { fs, part } = volume;
  if (fs.type === 'swap') return writeSwap(part.img, part, fs, workDir);
  if (fs.type === 'vfat') return fillVfat(part.img, part, fs, dir);
  return fillExt(part.img, part, fs, dir);
}

/**
 * Partition the recipe's disks and fill every file system from `tree`, split
 * by mount point (the tree is consumed: its sub-file-systems move out).
 * @param {any} recipe
 * @param {string} tree the full guest tree
 * @param {string} workDir
 * @param {{ keepOwners?: boolean }} [options] keep the tree's file owners (a real system's tree)
 * @returns {Promise<{ imgs: string[], volumes: ReturnType<typeof volumesOf> }>} the raw disks in VM order, every file system
 */
export async function writeDisks(recipe, tree, workDir, { keepOwners = false } = {}) {
  const imgs = [];
  const layout = [];
  for (const [index, disk] of disksOf(recipe).entries()) {
    const img = join(workDir, index === 0 ? 'disk.raw' : `disk${index + 1}.raw`);
    await createRawDisk(img, disk.sizeMiB);
    const parts = await partitionDisk(img, disk, disk.partitions, diskDevice(index));
    if (disk.bootCode === 'grub') await writeGrubBootCode(img);
    imgs.push(img);
    layout.push(...parts.map((part) => ({ ...part, img })));
  }

  // A LUKS partition gets its header now; its file system is made in the appliance.
  const luks = layout.filter((part) => part.luks);
  for (const part of luks) await writeLuksHeader(part.img, part, part.luks, workDir);

  const volumes = volumesOf(layout);
  const mounts = volumes.map((v) => v.fs.mount).filter(Boolean);
  const dirs = await splitByMountPoint(tree, mounts, workDir);

  const inAppliance = [];
  for (const volume of volumes) {
    const dir = volume.fs.mount ? dirs.get(volume.fs.mount) : undefined;
    if (isHostFillable(volume.fs, volume.onLvm || volume.inLuks)) await fillOnHost(volume, dir, workDir);
    else inAppliance.push({ device: volume.device, fs: volume.fs, dir });
  }
  const lvm = volumeGroupsOf(layout);
  if (lvm.length || luks.length || inAppliance.length) await fillInAppliance(imgs, { lvm, luks, volumes: inAppliance }, workDir, { keepOwners });
  return { imgs, volumes };
}
