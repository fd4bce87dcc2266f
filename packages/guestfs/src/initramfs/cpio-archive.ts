/**
 * Whole newc cpio archives in memory: every entry with its data, and the
 * writer for new ones. Used to add files to an initramfs on the host; the
 * streaming {@link CpioNameReader} stays the tool for listings.
 */
import { CpioFormatError } from './cpio-names.js';

const HEADER_SIZE = 110;
const TRAILER = 'TRAILER!!!';
const NEWC_MAGICS = ['070701', '070702'];

/** File type bits of `mode` (`S_IFMT`) and the types an initramfs holds. */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

/**
 * One archive member. `data` is the file content, or the target of a
 * symbolic link. `ino` and the device numbers are kept when an archive is
 * written again: the kernel joins hard links by them (newc stores the data
 * once, with the last link).
 */
export interface CpioEntry {
  name: string;
  /** Absent on new entries: the writer numbers them after the highest one given. */
  ino?: number;
  devMajor?: number;
  devMinor?: number;
  rdevMajor?: number;
  rdevMinor?: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  data: Buffer;
}

const pad4 = (length: number): number => (4 - (length % 4)) % 4;

/** Header fields in newc order, after the magic; each 8 hex digits. */
const FIELDS = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'namesize', 'check'] as const;

/**
 * Every entry of one or more concatenated newc archives (NUL padding between
 * them allowed), in archive order; trailers are left out. Hard links that
 * share data (a later entry with the same inode carrying it) are not
 * resolved: initramfs builders do not write them.
 * @throws {CpioFormatError} on anything that is not newc, or an archive cut short.
 */
export function readCpioEntries(bytes: Buffer): CpioEntry[] {
  const entries: CpioEntry[] = [];
  let at = 0;
  let inArchive = false;
  while (at < bytes.length) {
    if (!inArchive && bytes[at] === 0) {
      at += 1;
      continue;
    }
    if (at + HEADER_SIZE > bytes.length) throw new CpioFormatError(`cpio header cut short at byte ${at}`);
    const magic = bytes.toString('latin1', at, at + 6);
    if (!NEWC_MAGICS.includes(magic)) throw new CpioFormatError(`not a newc cpio header at byte ${at}: magic ${JSON.stringify(magic)}`);
    const field = (index: number): number => {
      const text = bytes.toString('latin1', at + 6 + index * 8, at + 14 + index * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new CpioFormatError(`bad newc header field ${JSON.stringify(text)} at byte ${at}`);
      return Number.parseInt(text, 16);
    };
    const nameSize = field(FIELDS.indexOf('namesize'));
    const fileSize = field(FIELDS.indexOf('filesize'));
    const nameEnd = at + HEADER_SIZE + nameSize;
    const dataStart = nameEnd + pad4(HEADER_SIZE + nameSize);
    const dataEnd = dataStart + fileSize;
    if (dataEnd > bytes.length) throw new CpioFormatError(`cpio entry at byte ${at} runs past the end of the archive`);
    const name = bytes.toString('latin1', at + HEADER_SIZE, nameEnd - 1);
    if (name === TRAILER) {
      inArchive = false;
    } else {
      inArchive = true;
      entries.push({
        name,
        ino: field(FIELDS.indexOf('ino')),
        devMajor: field(FIELDS.indexOf('devmajor')),
        devMinor: field(FIELDS.indexOf('devminor')),
        rdevMajor: field(FIELDS.indexOf('rdevmajor')),
        rdevMinor: field(FIELDS.indexOf('rdevminor')),
        mode: field(FIELDS.indexOf('mode')),
        uid: field(FIELDS.indexOf('uid')),
        gid: field(FIELDS.indexOf('gid')),
        nlink: field(FIELDS.indexOf('nlink')),
        mtime: field(FIELDS.indexOf('mtime')),
        data: bytes.subarray(dataStart, dataEnd),
      });
    }
    at = dataEnd + pad4(fileSize);
  }
  if (inArchive) throw new CpioFormatError('cpio archive ends without its TRAILER!!! entry');
  return entries;
}

function header(entry: CpioEntry, ino: number): Buffer {
  const nameBytes = Buffer.from(`${entry.name}\0`, 'latin1');
  const values: Record<(typeof FIELDS)[number], number> = {
    ino,
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    nlink: entry.nlink,
    mtime: entry.mtime,
    filesize: entry.data.length,
    devmajor: entry.devMajor ?? 0,
    devminor: entry.devMinor ?? 0,
    rdevmajor: entry.rdevMajor ?? 0,
    rdevminor: entry.rdevMinor ?? 0,
    namesize: nameBytes.length,
    check: 0,
  };
  const text = `070701${FIELDS.map((name) => values[name].toString(16).padStart(8, '0')).join('')}`;
  return Buffer.concat([Buffer.from(text, 'latin1'), nameBytes, Buffer.alloc(pad4(HEADER_SIZE + nameBytes.length))]);
}

/**
 * A newc archive of `entries` (in the given order) with its trailer, padded
 * to a multiple of 512 bytes as GNU cpio pads. Parent directories are not
 * added: the kernel does not create them, so callers list them first.
 * Entries read from an archive keep their inode numbers; new ones get fresh ones.
 */
export function writeCpioArchive(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = Math.max(0, ...entries.map((entry) => entry.ino ?? 0)) + 1;
  for (const entry of entries) {
    if (entry.name === '' || entry.name.startsWith('/') || entry.name.split('/').includes('..')) {
      throw new CpioFormatError(`cpio entry name ${JSON.stringify(entry.name)} is not a relative path inside the archive`);
    }
    parts.push(header(entry, entry.ino ?? ino++), entry.data, Buffer.alloc(pad4(entry.data.length)));
  }
  parts.push(header({ name: TRAILER, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, data: Buffer.alloc(0) }, 0));
  const archive = Buffer.concat(parts);
  return Buffer.concat([archive, Buffer.alloc((512 - (archive.length % 512)) % 512)]);
}

/** The entries that win when the kernel unpacks them in order: the last entry of each name. */
export function lastEntryByName(entries: CpioEntry[]): Map<string, CpioEntry> {
  const byName = new Map<string, CpioEntry>();
  for (const entry of entries) byName.set(entry.name.replace(/^\.\//, ''), entry);
  return byName;
}
