/**
 * Lists the members of a zip archive from its central directory (zip64
 * included), so stored members can be read in place and deflated ones
 * inflated while streaming. Some tools write OVAs as zip files.
 */
import { InputError } from '@hyper2kvm/core';
import type { FileHandle } from 'node:fs/promises';
import { checkMemberName } from './tar-header.js';

/** A file inside a zip archive. */
export interface ZipMember {
  name: string;
  /** `stored` members are a plain byte range of the archive; `deflated` ones need inflating. */
  method: 'stored' | 'deflated';
  /** Offset of the member's (possibly compressed) data in the archive. */
  offset: number;
  compressedSize: number;
  size: number;
  /** CRC-32 of the uncompressed data. */
  crc32: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
const METHODS: Record<number, ZipMember['method']> = { 0: 'stored', 8: 'deflated' };
const METHOD_NAMES: Record<number, string> = { 9: 'Deflate64', 12: 'bzip2', 14: 'LZMA', 93: 'Zstandard', 95: 'xz', 99: 'AES encryption' };

/** Reads the member list of the zip at `handle` (`size` bytes); `file` names it in errors. */
export async function readZipIndex(handle: FileHandle, size: number, file: string): Promise<ZipMember[]> {
  const read = async (offset: number, length: number): Promise<Buffer> => {
    if (offset < 0 || offset + length > size) throw new InputError(file, 'zip archive is truncated or its directory is corrupt');
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    if (bytesRead < length) throw new InputError(file, 'zip archive is truncated');
    return buffer;
  };
  const tailLength = Math.min(size, 22 + MAX_COMMENT);
  const tail = await read(size - tailLength, tailLength);
  let eocd = -1;
  for (let index = tail.length - 22; index >= 0; index -= 1) {
    if (tail.readUInt32LE(index) === EOCD) {
      eocd = index;
      break;
    }
  }
  if (eocd === -1) throw new InputError(file, 'not a zip archive: no end of central directory record');
  const eocdOffset = size - tailLength + eocd;
  let entries = tail.readUInt16LE(eocd + 10);
  let directorySize = tail.readUInt32LE(eocd + 12);
  let directoryOffset = tail.readUInt32LE(eocd + 16);
  if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0) {
    if (entries !== 0xffff) throw new InputError(file, 'zip archive spans several disks, which is not supported');
  }
  if (entries === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = await read(eocdOffset - 20, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw new InputError(file, 'zip64 archive without its locator record');
    const record = await read(Number(locator.readBigUInt64LE(8)), 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD) throw new InputError(file, 'zip64 end of central directory record is corrupt');
    entries = Number(record.readBigUInt64LE(32));
    directorySize = Number(record.readBigUInt64LE(40));
    directoryOffset = Number(record.readBigUInt64LE(48));
  }
  const directory = await read(directoryOffset, directorySize);
  const members: ZipMember[] = [];
  let cursor = 0;
  for (let index = 0; index < entries; index += 1) {
    if (cursor + 46 > directory.length || directory.readUInt32LE(cursor) !== CENTRAL)
      throw new InputError(file, `zip central directory entry ${index + 1} is corrupt`);
    const flags = directory.readUInt16LE(cursor + 8);
    const methodCode = directory.readUInt16LE(cursor + 10);
    const crc32 = directory.readUInt32LE(cursor + 16);
    let compressedSize = directory.readUInt32LE(cursor + 20);
    let uncompressedSize = directory.readUInt32LE(cursor + 24);
    const nameLength = directory.readUInt16LE(cursor + 28);
    const extraLength = directory.readUInt16LE(cursor + 30);
    const commentLength = directory.readUInt16LE(cursor + 32);
    let localOffset = directory.readUInt32LE(cursor + 42);
    const nameBytes = directory.subarray(cursor + 46, cursor + 46 + nameLength);
    // Bit 11: UTF-8 names; older tools write CP437, which is ASCII for the names that matter here.
    const name = nameBytes.toString((flags & 0x800) !== 0 ? 'utf8' : 'latin1');
    const extra = directory.subarray(cursor + 46 + nameLength, cursor + 46 + nameLength + extraLength);
    cursor += 46 + nameLength + extraLength + commentLength;
    ({ uncompressedSize, compressedSize, localOffset } = applyZip64Extra(extra, { uncompressedSize, compressedSize, localOffset }));
    if (name.endsWith('/')) continue; // a folder
    checkMemberName(name, file);
    if ((flags & 0x1) !== 0) throw new InputError(file, `member "${name}" is encrypted; unpack the archive with its password first`);
    const method = METHODS[methodCode];
    if (method === undefined)
      throw new InputError(
        file,
        `member "${name}" is compressed with ${METHOD_NAMES[methodCode] ?? `method ${methodCode}`}, which is not supported (stored or deflated members only)`,
      );
    const local = await read(localOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL) throw new InputError(file, `member "${name}": its local header is corrupt`);
    const offset = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (offset + compressedSize > size) throw new InputError(file, `zip archive is truncated: member "${name}" needs ${compressedSize} bytes`);
    if (method === 'stored' && compressedSize !== uncompressedSize) throw new InputError(file, `member "${name}": stored sizes disagree`);
    members.push({ name, method, offset, compressedSize, size: uncompressedSize, crc32 });
  }
  return members;
}

/** Zip64 extended information (header 0x0001): 64-bit values for the fields set to 0xffffffff, in order. */
function applyZip64Extra(extra: Buffer, fields: { uncompressedSize: number; compressedSize: number; localOffset: number }): typeof fields {
  let cursor = 0;
  while (cursor + 4 <= extra.length) {
    const id = extra.readUInt16LE(cursor);
    const length = extra.readUInt16LE(cursor + 2);
    if (id === 0x0001) {
      let field = cursor + 4;
      const next = (): number => {
        const value = Number(extra.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      const result = { ...fields };
      if (fields.uncompressedSize === 0xffffffff) result.uncompressedSize = next();
      if (fields.compressedSize === 0xffffffff) result.compressedSize = next();
      if (fields.localOffset === 0xffffffff) result.localOffset = next();
      return result;
    }
    cursor += 4 + length;
  }
  return fields;
}
