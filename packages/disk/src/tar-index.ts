import { InputError } from '@hyper2kvm/core';
import { open } from 'node:fs/promises';

/** A regular file inside a tar archive: where its bytes are, without extracting them. */
export interface TarMember {
  /** Member name, `/`-separated, as stored (after GNU long-name and pax `path` overrides). */
  name: string;
  /** Byte offset of the member's data in the archive. */
  offset: number;
  /** Size of the member's data in bytes. */
  size: number;
}

/** Random access to the bytes of an archive. */
export interface ByteSource {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

const BLOCK = 512;
/** Long names and pax headers larger than this are not names: refuse them. */
const MAX_META_SIZE = 1024 * 1024;

/**
 * Lists the regular files of a tar archive (ustar, GNU long names, pax
 * headers) by walking its headers only. Every member name is checked: an
 * absolute name or one with a `..` component is refused.
 */
export async function readTarIndex(path: string, file: string = path): Promise<TarMember[]> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await indexTar(
      {
        size,
        async read(offset, length) {
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, offset);
          return buffer.subarray(0, bytesRead);
        },
      },
      file,
    );
  } finally {
    await handle.close();
  }
}

/** {@link readTarIndex} over any byte source; `file` names the archive in errors. */
export async function indexTar(source: ByteSource, file: string): Promise<TarMember[]> {
  const members: TarMember[] = [];
  let position = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  let paxSize: number | undefined;
  let globalPaxPath: string | undefined;
  while (position + BLOCK <= source.size) {
    const header = await source.read(position, BLOCK);
    if (header.length < BLOCK) break;
    if (header.every((byte) => byte === 0)) break; // end-of-archive marker
    if (!checksumMatches(header)) {
      throw new InputError(file, position === 0 ? 'not a tar archive' : `tar header at byte ${position} is corrupt`);
    }
    const type = String.fromCharCode(header[156] ?? 0);
    const size = paxSize ?? readNumber(header.subarray(124, 136));
    const dataOffset = position + BLOCK;
    if (dataOffset + size > source.size) {
      throw new InputError(file, `archive is truncated: member at byte ${position} needs ${size} bytes`);
    }
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L' || type === 'x' || type === 'g') {
      if (size > MAX_META_SIZE) throw new InputError(file, `tar metadata at byte ${position} is too large`);
      const data = await source.read(dataOffset, size);
      if (type === 'L') {
        longName = cString(data);
      } else {
        const records = parsePaxRecords(data, file, position);
        if (type === 'g') {
          globalPaxPath = records.get('path') ?? globalPaxPath;
        } else {
          paxPath = records.get('path');
          const sizeRecord = records.get('size');
          paxSize = sizeRecord === undefined ? undefined : Number(sizeRecord);
          if (paxSize !== undefined && !Number.isSafeInteger(paxSize)) {
            throw new InputError(file, `tar pax header at byte ${position} has a bad size`);
          }
        }
      }
      position = next;
      continue;
    }
    if (type === 'K') {
      position = next; // GNU long link name: irrelevant, links are not listed
      continue;
    }
    const name = paxPath ?? longName ?? globalPaxPath ?? headerName(header);
    longName = undefined;
    paxPath = undefined;
    paxSize = undefined;
    checkMemberName(name, file);
    if (type === '0' || type === '\0' || type === '7') members.push({ name, offset: dataOffset, size });
    position = next;
  }
  return members;
}

/** Refuses a member name that is absolute or climbs out with `..`. */
export function checkMemberName(name: string, file: string): void {
  const parts = name.split(/[/\\]/);
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name) || parts.includes('..')) {
    throw new InputError(file, `member "${name}" would leave the archive folder`);
  }
}

function headerName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  const magic = header.toString('latin1', 257, 263);
  // POSIX ustar splits long names into prefix + name; GNU tar uses that area for other fields.
  if (magic === 'ustar\0') {
    const prefix = cString(header.subarray(345, 500));
    if (prefix !== '') return `${prefix}/${name}`;
  }
  return name;
}

function checksumMatches(header: Buffer): boolean {
  const stored = readNumber(header.subarray(148, 156));
  let sum = 0;
  for (let index = 0; index < BLOCK; index += 1) {
    sum += index >= 148 && index < 156 ? 0x20 : (header[index] ?? 0);
  }
  return stored === sum;
}

/** Reads a numeric header field: octal text, or GNU base-256 when the top bit is set. */
function readNumber(field: Buffer): number {
  const first = field[0] ?? 0;
  if ((first & 0x80) !== 0) {
    let value = BigInt(first & 0x7f);
    for (const byte of field.subarray(1)) value = (value << 8n) | BigInt(byte);
    return Number(value);
  }
  const text = cString(field).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end === -1 ? bytes.length : end);
}

function parsePaxRecords(data: Buffer, file: string, position: number): Map<string, string> {
  const records = new Map<string, string>();
  let cursor = 0;
  while (cursor < data.length) {
    const space = data.indexOf(0x20, cursor);
    const length = space === -1 ? NaN : parseInt(data.toString('latin1', cursor, space), 10);
    if (!Number.isInteger(length) || length <= 0 || cursor + length > data.length) {
      if (data.subarray(cursor).every((byte) => byte === 0)) break;
      throw new InputError(file, `tar pax header at byte ${position} is malformed`);
    }
    const record = data.toString('utf8', space + 1, cursor + length - 1);
    const equals = record.indexOf('=');
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    cursor += length;
  }
  return records;
}
