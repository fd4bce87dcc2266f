// Raw disk images: partition table, file systems filled from folders.
// Host tools where they can write into a partition of an image file
// (sfdisk, mke2fs -d -E offset, mkfs.fat --offset + mcopy); the libguestfs
// appliance only for what needs a kernel (LVM, XFS).
import { open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run, applianceEnv } from './run.mjs';
import { luksCloseLines, luksOpenLines } from './luks.mjs';
import { tarTree } from './tree.mjs';

const MiB = 1024 * 1024;
const SECTOR = 512;

/** Partition type codes per table kind. */
const PART_TYPES = {
  mbr: { linux: '83', swap: '82', lvm: '8e', esp: 'ef', extended: '5' },
  gpt: {
    linux: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
    swap: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
    lvm: 'E6D6D379-F507-44C2-A23C-238F2A3DF928',
    esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
    'bios-boot': '21686148-6449-6E6F-744E-656564454649',
  },
};

/** File systems the host tools can create inside a partition of an image. */
const HOST_FS = new Set(['ext2', 'ext3', 'ext4', 'vfat', 'swap']);

/** Create a sparse raw image. */
export async function createRawDisk(path, sizeMiB) {
  const fh = await open(path, 'w');
  try {
    await fh.truncate(sizeMiB * MiB);
  } finally {
    await fh.close();
  }
}

/**
 * The sfdisk script for a recipe's partitions. Sizes are left to sfdisk's
 * 1 MiB alignment; a partition without sizeMiB takes the rest (of the disk,
 * or of the extended partition for a logical one).
 * @param {{ table: 'mbr'|'gpt', id?: string }} disk
 * @param {Array<{ type: string, sizeMiB?: number, bootable?: boolean, name?: string, uuid?: string }>} partitions
 */
export function sfdiskScript(disk, partitions) {
  const types = PART_TYPES[disk.table];
  if (!types) throw new Error(`unknown partition table ${disk.table}`);
  const lines = [`label: ${disk.table === 'mbr' ? 'dos' : 'gpt'}`];
  if (disk.id) lines.push(`label-id: ${disk.id}`);
  lines.push('unit: sectors', '');
  for (const p of partitions) {
    const type = types[p.type];
    if (!type) throw new Error(`partition type ${p.type} is not possible on ${disk.table}`);
    const fields = [];
    if (p.sizeMiB) fields.push(`size=${p.sizeMiB}MiB`);
    fields.push(`type=${type}`);
    if (p.bootable) fields.push('bootable');
    if (p.name) fields.push(`name="${p.name}"`);
    if (p.uuid) fields.push(`uuid=${p.uuid}`);
    lines.push(fields.join(', '));
  }
  return lines.join('\n') + '\n';
}

/** Partition numbers in script order: MBR logicals start at 5. */
function partitionNumbers(table, partitions) {
  let primary = 0;
  let logical = 4;
  return partitions.map((p) => (table === 'mbr' && p.logical ? ++logical : ++primary));
}

/**
 * Write the partition table and read back where each partition landed.
 * @param {string} diskDevice what the appliance (and the guest on VMware) calls the disk: /dev/sda, /dev/sdb, ...
 * @returns {Promise<Array<object>>} the partitions with number, device (/dev/sdaN), start and size in bytes
 */
export async function partitionDisk(img, disk, partitions, diskDevice = '/dev/sda') {
  await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', '--wipe', 'always', img], {
    input: sfdiskScript(disk, partitions),
    stdin: undefined,
  });
  const { stdout } = await run('sfdisk', ['--json', img]);
  const table = JSON.parse(stdout).partitiontable;
  const byNumber = new Map(table.partitions.map((p) => [Number(p.node.slice(img.length)), p]));
  const numbers = partitionNumbers(disk.table, partitions);
  return partitions.map((p, i) => {
    const found = byNumber.get(numbers[i]);
    if (!found) throw new Error(`sfdisk did not create partition ${numbers[i]} of ${img}`);
    return { ...p, number: numbers[i], device: `${diskDevice}${numbers[i]}`, start: found.start * SECTOR, size: found.size * SECTOR };
  });
}

/**
 * Put a GRUB-looking boot code in the MBR (bytes 0-439, the table untouched):
 * the jump GRUB's boot.img starts with and the strings it carries. Placeholder:
 * it cannot boot, but a tool that looks for "GRUB" in sector 0 finds it.
 */
export async function writeGrubBootCode(img) {
  const code = Buffer.alloc(440);
  Buffer.from([0xeb, 0x63, 0x90]).copy(code, 0);
  Buffer.from('GRUB \0Geom\0Hard Disk\0Read\0 Error\r\n\0', 'latin1').copy(code, 0x180);
  const fh = await open(img, 'r+');
  try {
    await fh.write(code, 0, code.length, 0);
  } finally {
    await fh.close();
  }
}

/** ext2/3/4 straight into the partition, filled from a folder. */
export async function fillExt(img, part, fs, dir) {
  // 4 KiB blocks and 256-byte inodes as installers make them (mke2fs would
  // pick its "small" profile, 1 KiB blocks, for a partition this size).
  const args = ['-q', '-F', '-t', fs.type, '-b', '4096', '-I', '256', '-d', dir, '-E', `offset=${part.start},nodiscard,root_owner=0:0`];
  if (fs.uuid) args.push('-U', fs.uuid);
  if (fs.label) args.push('-L', fs.label);
  await run('mke2fs', [...args, img, `${Math.floor(part.size / 1024)}k`]);
  // Features mke2fs will not set (e.g. FEATURE_R30, a read-only-compatible
  // feature no kernel knows yet: Linux then mounts the file system read-only only).
  if (fs.features?.length) await run('debugfs', ['-w', '-R', `feature ${fs.features.join(' ')}`, `${img}?offset=${part.start}`]);
}

/**
 * Sectors per cluster for FAT32: the largest that still gives the 65525+
 * clusters FAT32 requires (mkfs.fat's own choice is too big for a small ESP,
 * and mtools then refuses the file system).
 */
function fat32ClusterSectors(sizeBytes) {
  const sectors = sizeBytes / SECTOR;
  for (const c of [8, 4, 2, 1]) if (sectors / c > 66000) return c;
  throw new Error(`a FAT32 file system needs more than ${sizeBytes} bytes`);
}

/** FAT (an ESP) straight into the partition, then the folder copied in with mtools. */
export async function fillVfat(img, part, fs, dir) {
  const fatSize = fs.fatSize ?? 32;
  const startSector = part.start / SECTOR;
  const args = ['-F', String(fatSize), `--offset=${startSector}`, '-h', String(startSector)];
  if (fatSize === 32) args.push('-s', String(fat32ClusterSectors(part.size)));
  if (fs.volumeId) args.push('-i', fs.volumeId.replace('-', ''));
  if (fs.label) args.push('-n', fs.label);
  await run('mkfs.fat', [...args, img, String(Math.floor(part.size / 1024))]);
  const entries = await readdir(dir);
  if (entries.length === 0) return;
  await run('mcopy', ['-s', '-p', '-Q', '-m', '-i', `${img}@@${part.start}`, ...entries.map((e) => join(dir, e)), '::/'], {
    env: { MTOOLS_SKIP_CHECK: '1' },
  });
}

/**
 * A swap signature at the start of the partition: mkswap on a scratch file
 * of the partition's size, then its first page (the whole header) copied in.
 */
export async function writeSwap(img, part, fs, workDir) {
  const scratch = join(workDir, `swap-${part.number}.img`);
  await createRawDisk(scratch, part.size / MiB);
  const args = ['-f'];
  if (fs.uuid) args.push('-U', fs.uuid);
  if (fs.label) args.push('-L', fs.label);
  await run('mkswap', [...args, scratch]);
  const header = (await readFile(scratch)).subarray(0, 4096);
  await rm(scratch);
  const fh = await open(img, 'r+');
  try {
    await fh.write(header, 0, header.length, part.start);
  } finally {
    await fh.close();
  }
}

/** Whether a file system can be made on the host (not on LVM, a host-supported type). */
export function isHostFillable(fs, onLvm) {
  return !onLvm && !fs.fillUp && HOST_FS.has(fs.type);
}

/** More than any phony guest's file system holds: `fillUp` writes until ENOSPC. */
const FILL_UP_BYTES = 2 ** 31 - 1;

/** guestfish lines that create a file system on a device and fill it from a tar (and up to the brim with `fillUp`). */
function applianceFsLines(device, fs, tar) {
  if (fs.type === 'swap') {
    const opts = [fs.uuid && `uuid:${fs.uuid}`, fs.label && `label:${fs.label}`].filter(Boolean);
    return [`mkswap ${device} ${opts.join(' ')}`.trim()];
  }
  const lines = [`mkfs ${fs.type} ${device}${fs.label ? ` label:${fs.label}` : ''}${fs.blockSize ? ` blocksize:${fs.blockSize}` : ''}`];
  if (fs.uuid) lines.push(`set-uuid ${device} ${fs.uuid}`);
  if (tar || fs.fillUp) lines.push(`mount ${device} /`);
  if (tar) lines.push(`tar-in "${tar}" /`);
  // A full file system: one file grows until the kernel says ENOSPC (as root,
  // so the reserved blocks go too); the leading "-" lets the script go on.
  // Zeros: the blocks are the file's, yet the exported disk stays small.
  if (fs.fillUp) lines.push(`-fill 0 ${FILL_UP_BYTES} "${fs.fillUp}"`);
  if (tar || fs.fillUp) lines.push('umount /');
  return lines;
}

/**
 * Everything that needs a kernel, in ONE appliance launch: LVM (pvcreate,
 * vgcreate, lvcreate), LUKS volumes opened (their headers are already
 * written, see luks.mjs) and file systems the host cannot fill (XFS, or any
 * file system on an LV or in a LUKS volume), each filled with tar-in.
 * @param {string | string[]} imgs the VM's disks in order (/dev/sda, /dev/sdb, ... in the appliance)
 * @param {{ lvm: Array<{ vg: string, pvs: string[], lvs: any[] }>, luks?: Array<{ device: string, luks: any }>, volumes: Array<{ device: string, fs: any, dir?: string }> }} jobs
 *   a VG's LVs are created in order; one without sizeMiB takes what is left,
 *   which spans every PV when the sized ones filled the first
 * @param {string} workDir
 * @param {{ keepOwners?: boolean }} [options] keep the files' owners in the trees (see tarTree)
 */
export async function fillInAppliance(imgs, jobs, workDir, { keepOwners = false } = {}) {
  const lines = ['run'];
  for (const { vg, pvs, lvs } of jobs.lvm) {
    lines.push(...pvs.map((pv) => `pvcreate ${pv}`), `vgcreate ${vg} "${pvs.join(' ')}"`);
    const sized = lvs.filter((lv) => lv.sizeMiB);
    const rest = lvs.filter((lv) => !lv.sizeMiB);
    if (rest.length > 1) throw new Error(`VG ${vg}: only one LV may take the free space`);
    for (const lv of sized) lines.push(`lvcreate ${lv.name} ${vg} ${lv.sizeMiB}`);
    for (const lv of rest) lines.push(`lvcreate-free ${lv.name} ${vg} 100`);
  }
  const luks = jobs.luks ?? [];
  for (const volume of luks) lines.push(...luksOpenLines(volume));
  let n = 0;
  for (const { device, fs, dir } of jobs.volumes) {
    const tar = dir ? await tarTree(dir, join(workDir, `appliance-${n++}.tar`), { keepOwners }) : undefined;
    lines.push(...applianceFsLines(device, fs, tar));
  }
  for (const volume of luks) lines.push(...luksCloseLines(volume));
  lines.push('exit');
  // LUKS passphrases come as script lines after their cryptsetup-open.
  const keys = luks.length ? ['--keys-from-stdin'] : [];
  await run('guestfish', [...keys, '--format=raw', ...[imgs].flat().flatMap((img) => ['-a', img])], {
    input: lines.join('\n') + '\n',
    stdin: undefined,
    env: applianceEnv(),
  });
}
