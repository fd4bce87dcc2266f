/**
 * Reading tar headers (ustar, GNU long names, pax): shared by the in-place
 * index of a plain tar and the streaming reader of a compressed one.
 */
import { InputError } from '@hyper2kvm/core';

export const TAR_BLOCK = 512;
/** Long names and pax headers larger than this are not names: refuse them. */
export const MAX_TAR_META_SIZE = 1024 * 1024;

/** One header block, decoded. */
export interface TarHeader {
  /** Type flag: `0`/`\0`/`7` regular file, `5` directory, `L` GNU long name, `x`/`g` pax, … */
  type: string;
  /** Size of the data that follows, in bytes (before pax overrides). */
  size: number;
  /** Name as the header block itself writes it (ustar prefix joined). */
  name: string;
}

/** True when the type flag marks a regular file's data. */
export function isRegularFile(type: string): boolean {
  return type === '0' || type === '\0' || type === '7';
}

/** True when the type flag marks metadata about the next member (long names, pax records). */
export function isMetadata(type: string): boolean {
  return type === 'L' || type === 'K' || type === 'x' || type === 'g';
}

/** True for the all-zero blocks that end an archive. */
export function isEndBlock(block: Buffer): boolean {
  return block.every((byte) => byte === 0);
}

/** Decodes a header block; `undefined` when its checksum does not match (not a tar header). */
export function parseTarHeader(block: Buffer): TarHeader | undefined {
  if (block.length < TAR_BLOCK || !checksumMatches(block)) return undefined;
  return { type: String.fromCharCode(block[156] ?? 0), size: readNumber(block.subarray(124, 136)), name: headerName(block) };
}

/**
 * What metadata members (GNU `L`, pax `x` and `g`) say about the members
 * after them: the long name and size of the next one, and global defaults.
 */
export class TarMetadata {
  #longName: string | undefined;
  #paxPath: string | undefined;
  #paxSize: number | undefined;
  #globalPath: string | undefined;
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  /** Size of the next member's data: a pax `size` record wins over the header. */
  sizeOf(header: TarHeader): number {
    return this.#paxSize ?? header.size;
  }

  /** Takes in the data of a metadata member found at `position`. */
  absorb(header: TarHeader, data: Buffer, position: number): void {
    if (header.type === 'L') this.#longName = cString(data);
    if (header.type !== 'x' && header.type !== 'g') return;
    const records = parsePaxRecords(data, this.#file, position);
    if (header.type === 'g') {
      this.#globalPath = records.get('path') ?? this.#globalPath;
      return;
    }
    this.#paxPath = records.get('path');
    const sizeRecord = records.get('size');
    this.#paxSize = sizeRecord === undefined ? undefined : Number(sizeRecord);
    if (this.#paxSize !== undefined && !Number.isSafeInteger(this.#paxSize)) {
      throw new InputError(this.#file, `tar pax header at byte ${position} has a bad size`);
    }
  }

  /** The name of the member `header` starts, checked; clears the per-member overrides. */
  takeName(header: TarHeader): string {
    const name = this.#paxPath ?? this.#longName ?? this.#globalPath ?? header.name;
    this.#longName = undefined;
    this.#paxPath = undefined;
    this.#paxSize = undefined;
    checkMemberName(name, this.#file);
    return name;
  }
}

/** Refuses a member name that is absolute or climbs out with `..`. */
export function checkMemberName(name: string, file: string): void {
  const parts = name.split(/[/\\]/);
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name) || parts.includes('..') || name.includes('\0')) {
    throw new InputError(file, `member "${name}" would leave the archive folder`);
  }
}

/** Bytes of padding after `size` bytes of member data. */
export function tarPadding(size: number): number {
  return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
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
  for (let index = 0; index < TAR_BLOCK; index += 1) {
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
