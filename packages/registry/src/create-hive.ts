/**
 * Writes a new, empty registry hive (regf format). libhivex edits hives but
 * cannot create one, so the smallest valid file is laid out here by hand:
 *
 * - a 4096-byte base block (`regf`);
 * - one 4096-byte hive bin (`hbin`) holding the root key (`nk`), the security
 *   cell (`sk`) the root points at, and one free cell for the rest of the bin.
 *
 * The `sk` cell is required: libhivex's `hivex_node_add_child` makes every new
 * key inherit its parent's `sk` and refuses to add a key when the parent has
 * none. Layout facts come from hivex's `lib/hivex-internal.h` and public
 * write-ups of the regf format.
 */
import { writeFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RegistryError } from './errors.js';

const BASE_BLOCK_SIZE = 0x1000;
const HBIN_SIZE = 0x1000;
const HBIN_HEADER_SIZE = 0x20;
/** Checksum covers the first 508 bytes of the base block, as 127 dwords. */
const CHECKSUM_OFFSET = 0x1fc;
/** nk flags: KEY_HIVE_ENTRY (root) | KEY_NO_DELETE | KEY_COMP_NAME (Latin-1 name). */
const ROOT_KEY_FLAGS = 0x04 | 0x08 | 0x20;
const NO_CELL = 0xffff_ffff;
/** Fixed part of an nk cell (with its size field), before the name. */
const NK_FIXED_SIZE = 0x50;
/** Fixed part of an sk cell (with its size field), before the descriptor. */
const SK_FIXED_SIZE = 0x18;
/** Difference between the Windows epoch (1601) and the Unix epoch, in ms. */
const FILETIME_UNIX_EPOCH_MS = 11_644_473_600_000n;

/** Options for {@link createEmptyHive}. */
export interface CreateHiveOptions {
  /**
   * Time stamped on the hive and its root key (children inherit it when
   * libhivex adds them). Fix it to get byte-identical hives from one recipe.
   * Default: now.
   */
  timestamp?: Date;
  /** Minor format version: 3 (NT 4) or 5 (XP and later). Default 5. */
  minorVersion?: 3 | 5;
  /** Name stored in the base block (only the last 31 characters are kept). Default: the file's base name. */
  fileName?: string;
}

/**
 * Creates an empty hive at `path` whose root key is named `rootName`
 * (default `ROOT`; Windows names SYSTEM's root like `CMI-CreateHive{…}` but
 * only tools that print the root care). The file is written under a
 * temporary name and renamed, so `path` never holds a partial hive.
 */
export async function createEmptyHive(path: string, rootName = 'ROOT', options: CreateHiveOptions = {}): Promise<void> {
  const bytes = emptyHiveBytes(rootName, { fileName: basename(path), ...options }, path);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(temporary, bytes, { flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new RegistryError('HIVE_CREATE_FAILED', path, undefined, `cannot write the hive: ${(error as Error).message}`, { cause: error });
  }
}

/** The bytes of an empty hive (see {@link createEmptyHive}); `path` only labels errors. */
export function emptyHiveBytes(rootName: string, options: CreateHiveOptions = {}, path = '(new hive)'): Buffer {
  if (rootName === '' || rootName.length > 255 || !/^[\x20-\x7e\xa0-\xff]+$/.test(rootName) || rootName.includes('\\')) {
    throw new RegistryError(
      'HIVE_CREATE_FAILED',
      path,
      undefined,
      `bad root key name ${JSON.stringify(rootName)} (1 to 255 printable Latin-1 characters, no backslash)`,
    );
  }
  const filetime = toFiletime(options.timestamp ?? new Date());
  const file = Buffer.alloc(BASE_BLOCK_SIZE + HBIN_SIZE);

  // Cells in the bin, at offsets relative to the first bin (what the hive stores).
  const rootOffset = HBIN_HEADER_SIZE;
  const rootName8 = Buffer.from(rootName, 'latin1');
  const rootCellSize = align8(NK_FIXED_SIZE + rootName8.length);
  const skOffset = rootOffset + rootCellSize;
  const descriptor = defaultSecurityDescriptor();
  const skCellSize = align8(SK_FIXED_SIZE + descriptor.length);
  const freeOffset = skOffset + skCellSize;
  const freeCellSize = HBIN_SIZE - freeOffset;

  writeBaseBlock(file, {
    filetime,
    minorVersion: options.minorVersion ?? 5,
    rootOffset,
    fileName: (options.fileName ?? rootName).slice(-31),
  });

  const bin = file.subarray(BASE_BLOCK_SIZE);
  bin.write('hbin', 0, 'latin1');
  bin.writeUInt32LE(0, 4); // offset of this bin from the first bin
  bin.writeUInt32LE(HBIN_SIZE, 8);
  bin.writeBigInt64LE(filetime, 0x14);

  const nk = bin.subarray(rootOffset, rootOffset + rootCellSize);
  nk.writeInt32LE(-rootCellSize, 0); // negative size: cell in use
  nk.write('nk', 4, 'latin1');
  nk.writeUInt16LE(ROOT_KEY_FLAGS, 6);
  nk.writeBigInt64LE(filetime, 8);
  nk.writeUInt32LE(NO_CELL, 20); // parent: the root has none
  nk.writeUInt32LE(0, 24); // subkeys
  nk.writeUInt32LE(0, 28); // volatile subkeys
  nk.writeUInt32LE(NO_CELL, 32); // subkey list
  nk.writeUInt32LE(NO_CELL, 36); // volatile subkey list
  nk.writeUInt32LE(0, 40); // values
  nk.writeUInt32LE(NO_CELL, 44); // value list
  nk.writeUInt32LE(skOffset, 48);
  nk.writeUInt32LE(NO_CELL, 52); // class name
  nk.writeUInt16LE(rootName8.length, 76);
  nk.writeUInt16LE(0, 78); // class name length
  rootName8.copy(nk, NK_FIXED_SIZE);

  const sk = bin.subarray(skOffset, skOffset + skCellSize);
  sk.writeInt32LE(-skCellSize, 0);
  sk.write('sk', 4, 'latin1');
  // The sk cells of a hive form a circular list; with one cell it links to itself.
  sk.writeUInt32LE(skOffset, 8);
  sk.writeUInt32LE(skOffset, 12);
  sk.writeUInt32LE(1, 16); // reference count: the root key
  sk.writeUInt32LE(descriptor.length, 20);
  descriptor.copy(sk, SK_FIXED_SIZE);

  bin.writeInt32LE(freeCellSize, freeOffset); // positive size: free cell
  return file;
}

function writeBaseBlock(file: Buffer, fields: { filetime: bigint; minorVersion: number; rootOffset: number; fileName: string }): void {
  file.write('regf', 0, 'latin1');
  // Equal sequence numbers: the hive was written completely (no pending log).
  file.writeUInt32LE(1, 4);
  file.writeUInt32LE(1, 8);
  file.writeBigInt64LE(fields.filetime, 12);
  file.writeUInt32LE(1, 20); // major version
  file.writeUInt32LE(fields.minorVersion, 24);
  file.writeUInt32LE(0, 28); // file type: primary
  file.writeUInt32LE(1, 32); // file format: direct memory load
  file.writeUInt32LE(fields.rootOffset, 36);
  file.writeUInt32LE(HBIN_SIZE, 40); // size of all hive bins
  file.writeUInt32LE(1, 44); // clustering factor
  file.write(fields.fileName, 48, 64, 'utf16le');
  file.writeUInt32LE(baseBlockChecksum(file), CHECKSUM_OFFSET);
}

/**
 * XOR of the first 127 little-endian dwords. Windows avoids storing 0 and
 * 0xFFFFFFFF (it stores 1 and 0xFFFFFFFE); libhivex compares the plain XOR,
 * so the plain XOR is kept (our headers never produce those two values).
 */
export function baseBlockChecksum(file: Buffer): number {
  let sum = 0;
  for (let offset = 0; offset < CHECKSUM_OFFSET; offset += 4) sum = (sum ^ file.readUInt32LE(offset)) >>> 0;
  return sum;
}

/**
 * A self-relative security descriptor, as registry `sk` cells store: owner
 * Administrators, group SYSTEM, and a DACL granting full control to SYSTEM
 * and Administrators and read access to Users, inherited by subkeys.
 */
export function defaultSecurityDescriptor(): Buffer {
  const administrators = sid(5, [32, 544]);
  const system = sid(5, [18]);
  const users = sid(5, [32, 545]);
  const KEY_ALL_ACCESS = 0x000f_003f;
  const KEY_READ = 0x0002_0019;
  const CONTAINER_INHERIT_ACE = 0x02;
  const aces = [
    accessAllowedAce(KEY_ALL_ACCESS, CONTAINER_INHERIT_ACE, system),
    accessAllowedAce(KEY_ALL_ACCESS, CONTAINER_INHERIT_ACE, administrators),
    accessAllowedAce(KEY_READ, CONTAINER_INHERIT_ACE, users),
  ];
  const aclBody = Buffer.concat(aces);
  const acl = Buffer.alloc(8);
  acl.writeUInt8(2, 0); // ACL_REVISION
  acl.writeUInt16LE(8 + aclBody.length, 2);
  acl.writeUInt16LE(aces.length, 4);
  const dacl = Buffer.concat([acl, aclBody]);

  const header = Buffer.alloc(20);
  const SE_DACL_PRESENT = 0x0004;
  const SE_SELF_RELATIVE = 0x8000;
  header.writeUInt8(1, 0); // revision
  header.writeUInt16LE(SE_DACL_PRESENT | SE_SELF_RELATIVE, 2);
  const ownerOffset = header.length;
  const groupOffset = ownerOffset + administrators.length;
  const daclOffset = groupOffset + system.length;
  header.writeUInt32LE(ownerOffset, 4);
  header.writeUInt32LE(groupOffset, 8);
  header.writeUInt32LE(0, 12); // no SACL
  header.writeUInt32LE(daclOffset, 16);
  return Buffer.concat([header, administrators, system, dacl]);
}

function sid(authority: number, subAuthorities: readonly number[]): Buffer {
  const bytes = Buffer.alloc(8 + 4 * subAuthorities.length);
  bytes.writeUInt8(1, 0); // revision
  bytes.writeUInt8(subAuthorities.length, 1);
  bytes.writeUIntBE(authority, 2, 6); // identifier authority is big-endian
  subAuthorities.forEach((value, index) => bytes.writeUInt32LE(value, 8 + 4 * index));
  return bytes;
}

function accessAllowedAce(mask: number, flags: number, trustee: Buffer): Buffer {
  const ace = Buffer.alloc(8 + trustee.length);
  ace.writeUInt8(0, 0); // ACCESS_ALLOWED_ACE_TYPE
  ace.writeUInt8(flags, 1);
  ace.writeUInt16LE(ace.length, 2);
  ace.writeUInt32LE(mask, 4);
  trustee.copy(ace, 8);
  return ace;
}

function align8(size: number): number {
  return (size + 7) & ~7;
}

function toFiletime(date: Date): bigint {
  return (BigInt(date.getTime()) + FILETIME_UNIX_EPOCH_MS) * 10_000n;
}
