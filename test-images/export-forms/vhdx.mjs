// VHDX structures qemu-img cannot write, written from the MS-VHDX
// specification: differencing disks (Hyper-V checkpoints, .avhdx) and a
// metadata log left unreplayed (a VHDX copied while its VM ran). The base
// disks come from qemu-img; only what it lacks is made here.
import { randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';

const KiB = 1024;
const MiB = 1024 * KiB;

/** CRC-32C (Castagnoli), as VHDX checksums its headers, region tables and log entries. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC32C_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A GUID string to its 16 on-disk bytes (Data1-3 little endian, Data4 as is). */
function guidBytes(guid) {
  const hex = guid.replace(/[{}-]/g, '');
  const bytes = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from(bytes.subarray(0, 4)).reverse(), Buffer.from(bytes.subarray(4, 6)).reverse(), Buffer.from(bytes.subarray(6, 8)).reverse(), bytes.subarray(8)]);
}

function guidString(bytes) {
  const hex = Buffer.concat([Buffer.from(bytes.subarray(0, 4)).reverse(), Buffer.from(bytes.subarray(4, 6)).reverse(), Buffer.from(bytes.subarray(6, 8)).reverse(), bytes.subarray(8, 16)]).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const REGION_BAT = '2dc27766-f623-4200-9d64-115e9bfd4a08';
const REGION_METADATA = '8b7ca206-4790-4b9a-b8fe-575f050f886e';
const META_FILE_PARAMETERS = 'caa16737-fa36-4d43-b3b6-33f0aa44e76b';
const META_VIRTUAL_DISK_SIZE = '2fa54224-cd1b-4876-b211-5dbed83bf4b8';
const META_PAGE83 = 'beca12ab-b2e6-4523-93ef-c309e000c746';
const META_LOGICAL_SECTOR = '8141bf1d-a96f-4709-ba47-f233a8faab5f';
const META_PHYSICAL_SECTOR = 'cda348c7-445d-4471-9cc9-e9885251c556';
const META_PARENT_LOCATOR = 'a8d35f2d-b30b-454d-abf7-d3d84834ab0c';
const LOCATOR_TYPE_VHDX = 'b04aefb7-d19e-4a81-b789-25b8e9445913';

/** The current header of a VHDX file (the valid one with the higher sequence number). */
export async function readVhdxHeader(path) {
  const handle = await open(path, 'r');
  try {
    const headers = [];
    for (const offset of [64 * KiB, 128 * KiB]) {
      const block = Buffer.alloc(4 * KiB);
      await handle.read(block, 0, block.length, offset);
      const stored = block.readUInt32LE(4);
      const copy = Buffer.from(block);
      copy.writeUInt32LE(0, 4);
      if (block.toString('latin1', 0, 4) === 'head' && crc32c(copy) === stored) headers.push({ offset, block, sequence: block.readBigUInt64LE(8) });
    }
    headers.sort((a, b) => (a.sequence < b.sequence ? 1 : -1));
    const current = headers[0];
    if (!current) throw new Error(`${path}: no valid VHDX header`);
    return { offset: current.offset, sequence: current.sequence, dataWriteGuid: guidString(current.block.subarray(32, 48)), logOffset: Number(current.block.readBigUInt64LE(72)), logLength: current.block.readUInt32LE(68) };
  } finally {
    await handle.close();
  }
}

function header(sequence, { fileWriteGuid, dataWriteGuid, logGuid, logOffset, logLength }) {
  const block = Buffer.alloc(4 * KiB);
  block.write('head', 0, 'latin1');
  block.writeBigUInt64LE(BigInt(sequence), 8);
  guidBytes(fileWriteGuid).copy(block, 16);
  guidBytes(dataWriteGuid).copy(block, 32);
  guidBytes(logGuid).copy(block, 48);
  block.writeUInt16LE(0, 64); // log version
  block.writeUInt16LE(1, 66); // version
  block.writeUInt32LE(logLength, 68);
  block.writeBigUInt64LE(BigInt(logOffset), 72);
  block.writeUInt32LE(crc32c(block), 4);
  return block;
}

function regionTable(entries) {
  const table = Buffer.alloc(64 * KiB);
  table.write('regi', 0, 'latin1');
  table.writeUInt32LE(entries.length, 8);
  entries.forEach(({ guid, offset, length }, index) => {
    const at = 16 + index * 32;
    guidBytes(guid).copy(table, at);
    table.writeBigUInt64LE(BigInt(offset), at + 16);
    table.writeUInt32LE(length, at + 24);
    table.writeUInt32LE(1, at + 28); // required
  });
  table.writeUInt32LE(crc32c(table), 4);
  return table;
}

function utf16(text) {
  return Buffer.from(text, 'utf16le');
}

/** The parent locator item: key/value pairs as UTF-16LE strings. */
function parentLocator(pairs) {
  const entries = Object.entries(pairs);
  const headerSize = 20 + entries.length * 12;
  const strings = [];
  let cursor = headerSize;
  const table = Buffer.alloc(headerSize);
  guidBytes(LOCATOR_TYPE_VHDX).copy(table, 0);
  table.writeUInt16LE(entries.length, 18);
  entries.forEach(([key, value], index) => {
    const keyBytes = utf16(key);
    const valueBytes = utf16(value);
    const at = 20 + index * 12;
    table.writeUInt32LE(cursor, at);
    table.writeUInt32LE(cursor + keyBytes.length, at + 4);
    table.writeUInt16LE(keyBytes.length, at + 8);
    table.writeUInt16LE(valueBytes.length, at + 10);
    strings.push(keyBytes, valueBytes);
    cursor += keyBytes.length + valueBytes.length;
  });
  return Buffer.concat([table, ...strings]);
}

/**
 * Writes a differencing VHDX (Hyper-V's .avhdx) on a parent: 2 MiB blocks
 * (Hyper-V's default for checkpoints), 512-byte sectors, the parent located
 * by its DataWriteGuid and relative path. `writes` are guest writes
 * (sector-aligned `{ offset, data }`): blocks they fill entirely are
 * FULLY_PRESENT, the others PARTIALLY_PRESENT with a sector bitmap.
 * @param {string} path
 * @param {{ virtualSize: number, parent: { dataWriteGuid: string, relativePath: string, absoluteWin32Path?: string }, writes: { offset: number, data: Buffer }[], blockSize?: number }} options
 */
export async function writeDifferencingVhdx(path, { virtualSize, parent, writes, blockSize = 2 * MiB }) {
  const sector = 512;
  const chunkRatio = (2 ** 23 * sector) / blockSize;
  const dataBlocks = Math.ceil(virtualSize / blockSize);
  const bitmapBlocks = Math.ceil(dataBlocks / chunkRatio);
  const batEntries = bitmapBlocks * (chunkRatio + 1);
  const batLength = Math.ceil((batEntries * 8) / MiB) * MiB;
  const metadataOffset = 2 * MiB;
  const metadataLength = MiB;
  const logOffset = 1 * MiB;
  const logLength = MiB;
  const batOffset = 3 * MiB;
  let next = batOffset + batLength;

  // Sectors each block holds, from the writes.
  const present = new Map();
  for (const { offset, data } of writes) {
    if (offset % sector || data.length % sector) throw new Error('writes must be sector aligned');
    for (let at = 0; at < data.length; at += sector) {
      const absolute = offset + at;
      const block = Math.floor(absolute / blockSize);
      if (!present.has(block)) present.set(block, new Map());
      present.get(block).set((absolute % blockSize) / sector, data.subarray(at, at + sector));
    }
  }
  const bat = Buffer.alloc(batLength);
  const chunks = [];
  const bitmaps = new Map();
  for (const [block, sectors] of [...present].sort((a, b) => a[0] - b[0])) {
    const payload = Buffer.alloc(blockSize);
    for (const [index, data] of sectors) data.copy(payload, index * sector);
    const full = sectors.size === blockSize / sector;
    const entry = block + Math.floor(block / chunkRatio);
    bat.writeBigUInt64LE((BigInt(next / MiB) << 20n) | BigInt(full ? 6 : 7), entry * 8);
    chunks.push({ offset: next, data: payload });
    next += blockSize;
    if (!full) {
      const chunk = Math.floor(block / chunkRatio);
      if (!bitmaps.has(chunk)) bitmaps.set(chunk, Buffer.alloc(MiB));
      const bitmap = bitmaps.get(chunk);
      for (const index of sectors.keys()) {
        const bit = (block % chunkRatio) * (blockSize / sector) + index;
        bitmap[bit >> 3] |= 1 << (bit & 7);
      }
    }
  }
  for (const [chunk, bitmap] of bitmaps) {
    const entry = chunk * (chunkRatio + 1) + chunkRatio;
    bat.writeBigUInt64LE((BigInt(next / MiB) << 20n) | 6n, entry * 8);
    chunks.push({ offset: next, data: bitmap });
    next += MiB;
  }

  const items = [
    { guid: META_FILE_PARAMETERS, flags: 0b100, data: Buffer.concat([u32(blockSize), u32(0b10)]) }, // HasParent
    { guid: META_VIRTUAL_DISK_SIZE, flags: 0b110, data: u64(virtualSize) },
    { guid: META_PAGE83, flags: 0b110, data: guidBytes(randomUUID()) },
    { guid: META_LOGICAL_SECTOR, flags: 0b110, data: u32(sector) },
    { guid: META_PHYSICAL_SECTOR, flags: 0b110, data: u32(4096) },
    {
      guid: META_PARENT_LOCATOR,
      flags: 0b100,
      data: parentLocator({
        parent_linkage: `{${parent.dataWriteGuid}}`,
        relative_path: parent.relativePath,
        ...(parent.absoluteWin32Path ? { absolute_win32_path: parent.absoluteWin32Path } : {}),
      }),
    },
  ];
  const metadata = Buffer.alloc(metadataLength);
  metadata.write('metadata', 0, 'latin1');
  metadata.writeUInt16LE(items.length, 10);
  let itemOffset = 64 * KiB;
  items.forEach(({ guid, flags, data }, index) => {
    const at = 32 + index * 32;
    guidBytes(guid).copy(metadata, at);
    metadata.writeUInt32LE(itemOffset, at + 16);
    metadata.writeUInt32LE(data.length, at + 20);
    metadata.writeUInt32LE(flags, at + 24);
    data.copy(metadata, itemOffset);
    itemOffset += Math.ceil(data.length / 8) * 8;
  });

  const identity = Buffer.alloc(64 * KiB);
  identity.write('vhdxfile', 0, 'latin1');
  utf16('hyper2kvm test-images').copy(identity, 8);
  const guids = { fileWriteGuid: randomUUID(), dataWriteGuid: randomUUID(), logGuid: '00000000-0000-0000-0000-000000000000', logOffset, logLength };
  const regions = regionTable([
    { guid: REGION_BAT, offset: batOffset, length: batLength },
    { guid: REGION_METADATA, offset: metadataOffset, length: metadataLength },
  ]);
  const handle = await open(path, 'wx');
  try {
    await handle.write(identity, 0, identity.length, 0);
    await handle.write(header(1, guids), 0, 4 * KiB, 64 * KiB);
    await handle.write(header(2, guids), 0, 4 * KiB, 128 * KiB);
    await handle.write(regions, 0, regions.length, 192 * KiB);
    await handle.write(regions, 0, regions.length, 256 * KiB);
    await handle.write(metadata, 0, metadata.length, metadataOffset);
    await handle.write(bat, 0, bat.length, batOffset);
    for (const { offset, data } of chunks) await handle.write(data, 0, data.length, offset);
    await handle.truncate(next);
  } finally {
    await handle.close();
  }
  return { dataWriteGuid: guids.dataWriteGuid };
}

/**
 * Leaves a metadata log entry unreplayed in a VHDX made by qemu-img, as a
 * file copied while Hyper-V had its VM running: one valid entry writing one
 * 4 KiB sector (a copy of the region table back onto itself, so replaying
 * changes nothing), and the header's LogGuid pointing at it.
 */
export async function leaveUnreplayedLog(path) {
  const current = await readVhdxHeader(path);
  const logGuid = randomUUID();
  const handle = await open(path, 'r+');
  try {
    const target = 192 * KiB;
    const data = Buffer.alloc(4 * KiB);
    await handle.read(data, 0, data.length, target);
    const sequence = 1n;
    const entry = Buffer.alloc(8 * KiB);
    // Entry header and its one data descriptor share the first 4 KiB sector.
    entry.write('loge', 0, 'latin1');
    entry.writeUInt32LE(entry.length, 8); // entry length
    entry.writeUInt32LE(0, 12); // tail: this entry
    entry.writeBigUInt64LE(sequence, 16);
    entry.writeUInt32LE(1, 24); // descriptor count
    guidBytes(logGuid).copy(entry, 32);
    const { size } = await handle.stat();
    entry.writeBigUInt64LE(BigInt(size), 48); // flushed file offset
    entry.writeBigUInt64LE(BigInt(size), 56); // last file offset
    const descriptor = 64;
    entry.write('desc', descriptor, 'latin1');
    entry.writeUInt32LE(data.readUInt32LE(4092), descriptor + 4); // trailing bytes
    entry.writeBigUInt64LE(data.readBigUInt64LE(0), descriptor + 8); // leading bytes
    entry.writeBigUInt64LE(BigInt(target), descriptor + 16);
    entry.writeBigUInt64LE(sequence, descriptor + 24);
    const sectorAt = 4 * KiB;
    entry.write('data', sectorAt, 'latin1');
    entry.writeUInt32LE(Number(sequence >> 32n), sectorAt + 4);
    data.copy(entry, sectorAt + 8, 8, 4092);
    entry.writeUInt32LE(Number(sequence & 0xffffffffn), sectorAt + 4092);
    entry.writeUInt32LE(crc32c(entry), 4);
    await handle.write(entry, 0, entry.length, current.logOffset);
    const fresh = header(Number(current.sequence) + 1, { fileWriteGuid: randomUUID(), dataWriteGuid: current.dataWriteGuid, logGuid, logOffset: current.logOffset, logLength: current.logLength });
    await handle.write(fresh, 0, fresh.length, current.offset === 64 * KiB ? 128 * KiB : 64 * KiB);
  } finally {
    await handle.close();
  }
}

function u32(value) {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
}

function u64(value) {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(BigInt(value));
  return buffer;
}

