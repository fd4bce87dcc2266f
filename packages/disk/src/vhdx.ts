/**
 * Reading VHDX files (MS-VHDX) far enough for what qemu does not do: find a
 * differencing disk's parent (Hyper-V checkpoints, `.avhdx`), check the
 * link, and say which sectors each layer holds. qemu reads the base.
 */
import type { FileHandle } from 'node:fs/promises';

const KiB = 1024;
const MiB = 1024 * KiB;

const REGION_BAT = '2dc27766-f623-4200-9d64-115e9bfd4a08';
const REGION_METADATA = '8b7ca206-4790-4b9a-b8fe-575f050f886e';
const META_FILE_PARAMETERS = 'caa16737-fa36-4d43-b3b6-33f0aa44e76b';
const META_VIRTUAL_DISK_SIZE = '2fa54224-cd1b-4876-b211-5dbed83bf4b8';
const META_LOGICAL_SECTOR = '8141bf1d-a96f-4709-ba47-f233a8faab5f';
const META_PARENT_LOCATOR = 'a8d35f2d-b30b-454d-abf7-d3d84834ab0c';

/** Payload block states (BAT entry bits 0-2). */
export const BLOCK_NOT_PRESENT = 0;
export const BLOCK_UNDEFINED = 1;
export const BLOCK_ZERO = 2;
export const BLOCK_UNMAPPED = 3;
export const BLOCK_FULLY_PRESENT = 6;
export const BLOCK_PARTIALLY_PRESENT = 7;

export interface VhdxFile {
  virtualSize: number;
  blockSize: number;
  logicalSectorSize: number;
  /** The header's DataWriteGuid: a child's `parent_linkage` must name it. */
  dataWriteGuid: string;
  /** Non-zero when a metadata log may hold writes not yet applied. */
  logGuid: string;
  hasParent: boolean;
  /** The parent locator's entries (`parent_linkage`, `relative_path`, `absolute_win32_path`, …). */
  parentLocator: Record<string, string>;
  /** One entry per BAT slot (payload blocks interleaved with sector bitmaps). */
  bat: BigUint64Array;
  chunkRatio: number;
}

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

/** A VHDX GUID (Data1-3 little endian) as text. */
function guidAt(buffer: Buffer, offset: number): string {
  const bytes = buffer.subarray(offset, offset + 16);
  const hex = Buffer.concat([
    Buffer.from(bytes.subarray(0, 4)).reverse(),
    Buffer.from(bytes.subarray(4, 6)).reverse(),
    Buffer.from(bytes.subarray(6, 8)).reverse(),
    bytes.subarray(8, 16),
  ]).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A GUID as a locator writes it (`{...}`, any case) in the form `guidAt` returns. */
export function normalizeGuid(text: string): string {
  return text
    .trim()
    .replace(/^\{|\}$/g, '')
    .toLowerCase();
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, offset);
  if (bytesRead < length) throw new Error(`VHDX structure at byte ${offset} lies beyond the end of the file`);
  return buffer;
}

/** True when the file starts with the VHDX file identifier. */
export async function isVhdx(handle: FileHandle): Promise<boolean> {
  const head = Buffer.alloc(8);
  await handle.read(head, 0, 8, 0);
  return head.toString('latin1') === 'vhdxfile';
}

/**
 * Reads the structures of a VHDX: the current header (the two copies are
 * told apart by sequence number; checksums are left to qemu, which reads
 * the base), region table, metadata and BAT. Throws on a structure that is
 * not there.
 */
export async function readVhdx(handle: FileHandle): Promise<VhdxFile> {
  if (!(await isVhdx(handle))) throw new Error('not a VHDX file');
  const headers = await Promise.all([64 * KiB, 128 * KiB].map((offset) => readAt(handle, offset, 4 * KiB)));
  const valid = headers.filter((header) => header.toString('latin1', 0, 4) === 'head');
  const header = valid.sort((a, b) => (a.readBigUInt64LE(8) < b.readBigUInt64LE(8) ? 1 : -1))[0];
  if (header === undefined) throw new Error('no valid VHDX header');
  const regions = await readAt(handle, 192 * KiB, 64 * KiB);
  if (regions.toString('latin1', 0, 4) !== 'regi') throw new Error('the VHDX region table is missing');
  const regionOf = (guid: string): { offset: number; length: number } => {
    const count = regions.readUInt32LE(8);
    for (let index = 0; index < count; index += 1) {
      const at = 16 + index * 32;
      if (guidAt(regions, at) === guid) return { offset: Number(regions.readBigUInt64LE(at + 16)), length: regions.readUInt32LE(at + 24) };
    }
    throw new Error(`the VHDX region ${guid} is missing`);
  };
  const metadataRegion = regionOf(REGION_METADATA);
  const table = await readAt(handle, metadataRegion.offset, 64 * KiB);
  if (table.toString('latin1', 0, 8) !== 'metadata') throw new Error('the VHDX metadata table is missing');
  const items = new Map<string, { offset: number; length: number }>();
  for (let index = 0; index < table.readUInt16LE(10); index += 1) {
    const at = 32 + index * 32;
    items.set(guidAt(table, at), { offset: metadataRegion.offset + table.readUInt32LE(at + 16), length: table.readUInt32LE(at + 20) });
  }
  const item = async (guid: string): Promise<Buffer> => {
    const found = items.get(guid);
    if (found === undefined) throw new Error(`the VHDX metadata item ${guid} is missing`);
    return readAt(handle, found.offset, found.length);
  };
  const parameters = await item(META_FILE_PARAMETERS);
  const blockSize = parameters.readUInt32LE(0);
  const hasParent = (parameters.readUInt32LE(4) & 0b10) !== 0;
  const virtualSize = Number((await item(META_VIRTUAL_DISK_SIZE)).readBigUInt64LE(0));
  const logicalSectorSize = (await item(META_LOGICAL_SECTOR)).readUInt32LE(0);
  if (blockSize < MiB || blockSize > 256 * MiB || (logicalSectorSize !== 512 && logicalSectorSize !== 4096))
    throw new Error('the VHDX block or sector size is invalid');
  const parentLocator = hasParent && items.has(META_PARENT_LOCATOR) ? parseLocator(await item(META_PARENT_LOCATOR)) : {};
  const chunkRatio = (2 ** 23 * logicalSectorSize) / blockSize;
  const dataBlocks = Math.ceil(virtualSize / blockSize);
  const entries = hasParent ? Math.ceil(dataBlocks / chunkRatio) * (chunkRatio + 1) : dataBlocks + Math.floor((dataBlocks - 1) / chunkRatio);
  const batRegion = regionOf(REGION_BAT);
  if (entries * 8 > batRegion.length) throw new Error('the VHDX block allocation table is too small for the disk');
  const batBytes = await readAt(handle, batRegion.offset, entries * 8);
  const bat = new BigUint64Array(entries);
  for (let index = 0; index < entries; index += 1) bat[index] = batBytes.readBigUInt64LE(index * 8);
  return {
    virtualSize,
    blockSize,
    logicalSectorSize,
    dataWriteGuid: guidAt(header, 32),
    logGuid: guidAt(header, 48),
    hasParent,
    parentLocator,
    bat,
    chunkRatio,
  };
}

/** True when the header says a metadata log may hold writes not yet applied. */
export function hasPendingLog(file: Pick<VhdxFile, 'logGuid'>): boolean {
  return file.logGuid !== ZERO_GUID;
}

function parseLocator(data: Buffer): Record<string, string> {
  const pairs: Record<string, string> = {};
  const count = data.readUInt16LE(18);
  for (let index = 0; index < count; index += 1) {
    const at = 20 + index * 12;
    const keyOffset = data.readUInt32LE(at);
    const valueOffset = data.readUInt32LE(at + 4);
    const key = data.toString('utf16le', keyOffset, keyOffset + data.readUInt16LE(at + 8));
    pairs[key] = data.toString('utf16le', valueOffset, valueOffset + data.readUInt16LE(at + 10));
  }
  return pairs;
}

/** A run of bytes a layer holds: from the file at `fileOffset`, or zeros. */
export interface PresentRun {
  /** Guest offset in bytes. */
  offset: number;
  length: number;
  /** Where the data is in the layer's file; absent for a run of zeros. */
  fileOffset?: number;
}

/**
 * The runs of guest data a differencing layer holds (everything else comes
 * from its parent), in guest order: fully present blocks whole, partially
 * present ones by their sector bitmap, zeroed blocks as zeros.
 */
export async function* presentRuns(handle: FileHandle, file: VhdxFile): AsyncGenerator<PresentRun> {
  const dataBlocks = Math.ceil(file.virtualSize / file.blockSize);
  const sectorsPerBlock = file.blockSize / file.logicalSectorSize;
  let bitmapChunk = -1;
  let bitmap: Buffer | undefined;
  for (let block = 0; block < dataBlocks; block += 1) {
    const entry = file.bat[block + Math.floor(block / file.chunkRatio)]!;
    const state = Number(entry & 7n);
    const blockOffset = Number(entry >> 20n) * MiB;
    const guestOffset = block * file.blockSize;
    const length = Math.min(file.blockSize, file.virtualSize - guestOffset);
    if (state === BLOCK_FULLY_PRESENT) yield { offset: guestOffset, length, fileOffset: blockOffset };
    else if (state === BLOCK_ZERO) yield { offset: guestOffset, length };
    else if (state === BLOCK_PARTIALLY_PRESENT) {
      const chunk = Math.floor(block / file.chunkRatio);
      if (chunk !== bitmapChunk) {
        const bitmapEntry = file.bat[chunk * (file.chunkRatio + 1) + file.chunkRatio]!;
        if (Number(bitmapEntry & 7n) !== BLOCK_FULLY_PRESENT) throw new Error(`block ${block} is partially present but its sector bitmap is missing`);
        bitmap = await readAt(handle, Number(bitmapEntry >> 20n) * MiB, MiB);
        bitmapChunk = chunk;
      }
      const first = (block % file.chunkRatio) * sectorsPerBlock;
      let start = -1;
      for (let sector = 0; sector <= sectorsPerBlock; sector += 1) {
        const bit = first + sector;
        const present = sector < sectorsPerBlock && ((bitmap![bit >> 3]! >> (bit & 7)) & 1) === 1;
        if (present && start === -1) start = sector;
        if (!present && start !== -1) {
          const offset = guestOffset + start * file.logicalSectorSize;
          const runLength = Math.min((sector - start) * file.logicalSectorSize, file.virtualSize - offset);
          yield { offset, length: runLength, fileOffset: blockOffset + start * file.logicalSectorSize };
          start = -1;
        }
      }
    }
    // NOT_PRESENT, UNDEFINED, UNMAPPED: the parent's data shows through.
  }
}
