// Builder for kind 'windows' recipes: phony Windows guests. A partitioned raw
// disk (GPT with ESP + MSR + NTFS, or MBR with one NTFS partition), the
// system volume filled with placeholder binaries and real registry hives
// (built with libhivex through @hyper2kvm/registry), then exported.
//
// NTFS is made with mkntfs on a scratch file the size of the partition,
// filled through an ntfs-3g FUSE mount and copied into place: about a second.
// Without /dev/fuse the partition is made and filled in the libguestfs
// appliance instead (one launch, tens of seconds under TCG).
import { access, constants, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { buildHive } from '@hyper2kvm/registry';
import { createRawDisk, fillInAppliance, fillVfat } from './disk.mjs';
import { exportDisk } from './export.mjs';
import { pePlaceholder } from './pe.mjs';
import { run } from './run.mjs';

const MiB = 1024 * 1024;
const SECTOR = 512;

/** Partition types of a Windows disk, per table kind. */
const WINDOWS_PART_TYPES = {
  gpt: {
    esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
    msr: 'E3C9E316-0B5C-4DB8-817D-F92DF00215AE',
    'basic-data': 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
    recovery: 'DE94BBA4-06D1-4D40-A16A-BFD50179D6AC',
  },
  mbr: { 'basic-data': '7' },
};

/** Hive timestamp: fixed so one recipe gives the same hive bytes. */
const HIVE_TIME = new Date('2024-03-12T09:30:00Z');

/**
 * The sfdisk script for a Windows recipe's partitions (1 MiB aligned; a
 * partition without sizeMiB takes the rest).
 */
export function windowsSfdiskScript(disk, partitions) {
  const types = WINDOWS_PART_TYPES[disk.table];
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

/** Write the table; return the partitions with number, device, start and size in bytes. */
async function partitionWindowsDisk(img, disk, partitions) {
  await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', '--wipe', 'always', img], {
    input: windowsSfdiskScript(disk, partitions),
    stdin: undefined,
  });
  const { stdout } = await run('sfdisk', ['--json', img]);
  const found = JSON.parse(stdout).partitiontable.partitions;
  return partitions.map((p, i) => {
    const entry = found[i];
    if (!entry) throw new Error(`sfdisk did not create partition ${i + 1} of ${img}`);
    return { ...p, number: i + 1, device: `/dev/sda${i + 1}`, start: entry.start * SECTOR, size: entry.size * SECTOR };
  });
}

/**
 * Bytes of one file value of a recipe: a string, a Buffer, `{ pe: {...} }`
 * (a placeholder binary), or `{ size, head }` (a file of `size` bytes that
 * starts with `head`, sparse after it: hiberfil.sys, pagefile.sys).
 */
function fileBytes(value) {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  if (value.pe) return pePlaceholder(value.pe);
  throw new Error(`windows: unknown file value ${JSON.stringify(value)}`);
}

/** Writes a recipe's files, sized files and hives under `root`. */
async function materializeVolume(root, volume) {
  await mkdir(root, { recursive: true });
  for (const dir of volume.dirs ?? []) await mkdir(join(root, dir), { recursive: true });
  for (const [path, value] of Object.entries(volume.files ?? {})) {
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true });
    if (typeof value === 'object' && !Buffer.isBuffer(value) && value.size !== undefined) {
      const fh = await open(file, 'w');
      try {
        await fh.truncate(value.size);
        if (value.head) await fh.write(Buffer.from(value.head), 0, Buffer.from(value.head).length, 0);
      } finally {
        await fh.close();
      }
    } else {
      await writeFile(file, fileBytes(value));
    }
  }
  for (const [path, hive] of Object.entries(volume.hives ?? {})) {
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true });
    await buildHive(file, hive.root, hive.entries, { timestamp: HIVE_TIME });
  }
}

async function fuseAvailable() {
  try {
    await access('/dev/fuse', constants.R_OK | constants.W_OK);
    return process.env.TEST_IMAGES_NTFS !== 'appliance';
  } catch {
    return false;
  }
}

/** Polls /proc/mounts until `dir` is a mount point (ntfs-3g started with no_detach). */
async function waitForMount(dir, child) {
  for (let i = 0; i < 200; i++) {
    const mounts = await readFile('/proc/mounts', 'utf8');
    if (mounts.split('\n').some((line) => line.split(' ')[1] === dir)) return;
    if (child.exitCode !== null) throw new Error(`ntfs-3g exited (${child.exitCode}) before mounting ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`ntfs-3g did not mount ${dir}`);
}

/**
 * NTFS on a scratch file the partition's size (boot sector geometry says
 * where it sits on the disk), filled through ntfs-3g, copied into place.
 * ntfs-3g runs attached (no_detach) so that its exit proves the volume is
 * flushed and closed before the copy.
 */
async function fillNtfsWithFuse(img, part, fs, dir, workDir) {
  const scratch = join(workDir, `ntfs-${part.number}.img`);
  await createRawDisk(scratch, part.size / MiB);
  const args = ['-F', '-Q', '-q', '-s', String(SECTOR), '-c', '4096', '-p', String(part.start / SECTOR), '-H', '255', '-S', '63'];
  if (fs.label) args.push('-L', fs.label);
  await run('mkntfs', [...args, scratch]);
  if (fs.serial) await run('ntfslabel', ['--new-serial=' + fs.serial, scratch, fs.label ?? '']);
  const mountPoint = join(workDir, `ntfs-${part.number}.mnt`);
  await mkdir(mountPoint);
  const child = execa('ntfs-3g', ['-o', 'no_detach,windows_names', scratch, mountPoint], { stdin: 'ignore', reject: false });
  try {
    await waitForMount(mountPoint, child);
    await run('cp', ['-R', '--no-preserve=all', `${dir}/.`, mountPoint]);
  } finally {
    await execa('umount', [mountPoint], { reject: false });
  }
  const result = await child;
  if (result.exitCode !== 0) throw new Error(`ntfs-3g ${scratch}: exit ${result.exitCode}\n${result.stderr}`);
  await run('dd', [`if=${scratch}`, `of=${img}`, 'bs=1M', `seek=${part.start}`, 'oflag=seek_bytes', 'conv=notrunc,sparse', 'status=none']);
}

/**
 * Build a Windows guest disk and export it.
 * @param {any} recipe
 * @param {{ outDir: string, workDir: string }} where
 * @returns {Promise<Record<string,string>>} format -> file name in outDir
 */
export async function build(recipe, { outDir, workDir }) {
  const img = join(workDir, 'disk.raw');
  await createRawDisk(img, recipe.disk.sizeMiB);
  const layout = await partitionWindowsDisk(img, recipe.disk, recipe.partitions);
  if (recipe.disk.bootCode) await writeBootCode(img, recipe.disk.bootCode);

  const useFuse = await fuseAvailable();
  const inAppliance = [];
  for (const part of layout) {
    if (!part.fs) continue;
    const volume = recipe.volumes?.[part.volume];
    const dir = join(workDir, `volume-${part.number}`);
    await materializeVolume(dir, volume ?? {});
    if (part.fs.type === 'vfat') await fillVfat(img, part, part.fs, dir);
    else if (part.fs.type === 'ntfs' && useFuse) await fillNtfsWithFuse(img, part, part.fs, dir, workDir);
    else if (part.fs.type === 'ntfs') inAppliance.push({ device: part.device, fs: part.fs, dir });
    else throw new Error(`${recipe.name}: file system ${part.fs.type} is not made by the Windows builder`);
  }
  if (inAppliance.length) await fillInAppliance(img, { lvm: [], volumes: inAppliance }, workDir);
  return exportDisk(img, outDir, recipe);
}

/**
 * Boot code in the MBR (bytes 0-439, the table untouched), so tools that
 * look at sector 0 see Windows' boot code. Placeholder: a jump plus the
 * strings the Windows 7+ MBR carries.
 */
async function writeBootCode(img, kind) {
  if (kind !== 'windows') throw new Error(`unknown boot code ${kind}`);
  const code = Buffer.alloc(440);
  Buffer.from([0x33, 0xc0, 0x8e, 0xd0, 0xbc, 0x00, 0x7c]).copy(code, 0);
  Buffer.from('Invalid partition table\0Error loading operating system\0Missing operating system\0', 'latin1').copy(code, 0x163);
  const fh = await open(img, 'r+');
  try {
    await fh.write(code, 0, code.length, 0);
  } finally {
    await fh.close();
  }
}
