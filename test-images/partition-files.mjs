// Reading files out of one partition of a disk image with host tools only
// (qemu-img, sfdisk, mtools for FAT, ntfs-3g's ntfscat/ntfsls for NTFS): no
// libguestfs appliance, so tests can check what an appliance wrote without
// trusting the appliance's own read-back. Read-only on the image.
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const SECTOR = 512;

/**
 * Opens a disk image (any qemu format, e.g. a qcow2 overlay) as a raw copy
 * and returns readers for its partitions. Call `close()` to remove the copy.
 * @param {string} image
 * @param {string} format qemu format of `image` (`qcow2`, `vmdk`, `raw`)
 */
export async function openPartitions(image, format) {
  const dir = await mkdtemp(join(tmpdir(), 'partition-files-'));
  const raw = join(dir, 'disk.raw');
  await execa('qemu-img', ['convert', '-q', '-f', format, '-O', 'raw', image, raw]);
  const { stdout } = await execa('sfdisk', ['--json', raw]);
  /** @type {{ start: number, size: number }[]} */
  const partitions = JSON.parse(stdout).partitiontable.partitions;
  const partition = (number) => {
    const found = partitions[number - 1];
    if (!found) throw new Error(`${image}: no partition ${number}`);
    return found;
  };
  /** NTFS tools take a device, not an offset: copy the partition to its own file once. */
  const slices = new Map();
  const slice = async (number) => {
    if (!slices.has(number)) {
      const { start, size } = partition(number);
      const path = join(dir, `part${number}.img`);
      const source = await open(raw, 'r');
      const target = await open(path, 'w');
      try {
        const chunk = Buffer.alloc(4 * 1024 * 1024);
        for (let done = 0; done < size * SECTOR; ) {
          const { bytesRead } = await source.read(chunk, 0, Math.min(chunk.length, size * SECTOR - done), start * SECTOR + done);
          if (bytesRead === 0) break;
          await target.write(chunk, 0, bytesRead, done);
          done += bytesRead;
        }
      } finally {
        await source.close();
        await target.close();
      }
      slices.set(number, path);
    }
    return slices.get(number);
  };
  return {
    /**
     * A file's bytes, or null when it does not exist. FAT names match
     * case-insensitively; NTFS names exactly.
     * @param {number} number partition number (1-based)
     * @param {'vfat' | 'ntfs'} fs
     * @param {string} path absolute path inside the partition
     * @returns {Promise<Buffer | null>}
     */
    async readFile(number, fs, path) {
      const result =
        fs === 'vfat'
          ? await execa('mcopy', ['-n', '-i', `${raw}@@${partition(number).start * SECTOR}`, `::${path}`, '-'], { encoding: 'buffer', stripFinalNewline: false, reject: false })
          : await execa('ntfscat', [await slice(number), path], { encoding: 'buffer', stripFinalNewline: false, reject: false });
      return result.exitCode === 0 ? Buffer.from(result.stdout) : null;
    },
    /**
     * Entry names of a directory (without `.` and `..`).
     * @param {number} number
     * @param {'vfat' | 'ntfs'} fs
     * @param {string} path
     * @returns {Promise<string[]>}
     */
    async readdir(number, fs, path) {
      if (fs === 'vfat') {
        const { stdout } = await execa('mdir', ['-b', '-i', `${raw}@@${partition(number).start * SECTOR}`, `::${path}`]);
        return stdout.split('\n').filter(Boolean).map((line) => line.replace(/\/$/, '').split('/').pop());
      }
      const { stdout } = await execa('ntfsls', ['-a', '-p', path, await slice(number)]);
      return stdout.split('\n').filter((name) => name !== '' && name !== '.' && name !== '..');
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
