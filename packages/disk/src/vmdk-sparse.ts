import type { FileHandle } from 'node:fs/promises';

/** The fields of a hosted sparse extent header (`KDMV`) that hyper2kvm uses. */
export interface SparseExtentHeader {
  version: number;
  flags: number;
  /** Capacity in sectors. */
  capacity: number;
  /** Grain size in sectors. */
  grainSize: number;
  /** Embedded descriptor: offset and size in sectors (0 when none). */
  descriptorOffset: number;
  descriptorSize: number;
  numGTEsPerGT: number;
  /** Grain directory offset in sectors, or {@link GD_AT_END} (streamOptimized). */
  gdOffset: bigint;
  /** Sectors of metadata before the first grain. */
  overHead: number;
  compressAlgorithm: number;
}

export const SPARSE_MAGIC = 0x564d444b; // "KDMV" little endian
/** gdOffset value meaning "read the grain directory offset from the footer". */
export const GD_AT_END = 0xffffffffffffffffn;
const FLAG_COMPRESSED = 1 << 16;
const SECTOR = 512;

/** Parses a 512-byte sparse extent header; `undefined` when the magic is wrong. */
export function parseSparseExtentHeader(block: Buffer): SparseExtentHeader | undefined {
  if (block.length < 79 || block.readUInt32LE(0) !== SPARSE_MAGIC) return undefined;
  return {
    version: block.readUInt32LE(4),
    flags: block.readUInt32LE(8),
    capacity: Number(block.readBigUInt64LE(12)),
    grainSize: Number(block.readBigUInt64LE(20)),
    descriptorOffset: Number(block.readBigUInt64LE(28)),
    descriptorSize: Number(block.readBigUInt64LE(36)),
    numGTEsPerGT: block.readUInt32LE(44),
    gdOffset: block.readBigUInt64LE(56),
    overHead: Number(block.readBigUInt64LE(64)),
    compressAlgorithm: block.readUInt16LE(77),
  };
}

/** A region of a file (the whole file, or a tar member inside an OVA). */
export interface ByteWindow {
  handle: FileHandle;
  /** Where the region starts in the file. */
  base: number;
  /** Length of the region. */
  size: number;
}

async function readAt(window: ByteWindow, offset: number, length: number): Promise<Buffer | undefined> {
  if (offset < 0 || offset + length > window.size) return undefined;
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await window.handle.read(buffer, 0, length, window.base + offset);
  return bytesRead === length ? buffer : undefined;
}

/** Reads the header of a sparse extent, or `undefined` when the region is not one. */
export async function readSparseExtentHeader(window: ByteWindow): Promise<SparseExtentHeader | undefined> {
  const block = await readAt(window, 0, SECTOR);
  return block === undefined ? undefined : parseSparseExtentHeader(block);
}

/** Reads the descriptor embedded in a monolithicSparse/streamOptimized extent, if any. */
export async function readEmbeddedDescriptor(window: ByteWindow, header: SparseExtentHeader): Promise<string | undefined> {
  if (header.descriptorOffset === 0 || header.descriptorSize === 0) return undefined;
  const block = await readAt(window, header.descriptorOffset * SECTOR, header.descriptorSize * SECTOR);
  if (block === undefined) return undefined;
  const end = block.indexOf(0);
  return block.toString('utf8', 0, end === -1 ? block.length : end);
}

/**
 * Checks that every grain a sparse extent's tables point at lies inside the
 * region. qemu only validates the header, so a VMDK cut short after its
 * metadata would otherwise convert into a disk with silently missing data.
 * Returns a problem sentence, or `undefined` when the extent is complete.
 */
export async function findSparseExtentTruncation(window: ByteWindow, header: SparseExtentHeader): Promise<string | undefined> {
  const truncated = (what: string): string => `VMDK is truncated: ${what} lies beyond the end of the file (${window.size} bytes)`;
  if (header.grainSize === 0 || header.numGTEsPerGT === 0) return 'VMDK sparse header has a zero grain or table size';
  if (header.overHead * SECTOR > window.size) return truncated('the metadata');
  let gdOffset = header.gdOffset;
  if (gdOffset === GD_AT_END) {
    const footer = await readAt(window, window.size - 2 * SECTOR, SECTOR);
    const footerHeader = footer === undefined ? undefined : parseSparseExtentHeader(footer);
    if (footerHeader === undefined) return 'VMDK is truncated: its stream footer is missing';
    gdOffset = footerHeader.gdOffset;
  }
  const gdEntries = Math.ceil(header.capacity / (header.grainSize * header.numGTEsPerGT));
  const directory = await readAt(window, Number(gdOffset) * SECTOR, gdEntries * 4);
  if (directory === undefined) return truncated('the grain directory');
  let lastGrain = 0;
  for (let entry = 0; entry < gdEntries; entry += 1) {
    const tableSector = directory.readUInt32LE(entry * 4);
    if (tableSector === 0) continue;
    const table = await readAt(window, tableSector * SECTOR, header.numGTEsPerGT * 4);
    if (table === undefined) return truncated(`grain table ${entry}`);
    for (let slot = 0; slot < header.numGTEsPerGT; slot += 1) {
      // 0 = unallocated, 1 = zeroed grain; anything else is a sector offset.
      lastGrain = Math.max(lastGrain, table.readUInt32LE(slot * 4));
    }
  }
  if (lastGrain <= 1) return undefined;
  // Grains never overlap, so checking the one stored last covers all of them.
  if ((header.flags & FLAG_COMPRESSED) !== 0) {
    const marker = await readAt(window, lastGrain * SECTOR, 12);
    if (marker === undefined) return truncated('the last grain');
    const compressedSize = marker.readUInt32LE(8);
    if (lastGrain * SECTOR + 12 + compressedSize > window.size) return truncated('the last grain');
    return undefined;
  }
  if ((lastGrain + header.grainSize) * SECTOR > window.size) return truncated('the last grain');
  return undefined;
}
