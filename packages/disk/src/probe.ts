import { InputError, type ArchiveMember } from '@hyper2kvm/core';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { qemuImgInfo, QemuImgFailure } from './qemu-img.js';
import type { QemuImgInfo } from './qemu-img.js';
import { archiveMemberProbeFilename } from './qemu-filename.js';
import { hasQemuProtocol, resolveInside } from './safe-path.js';
import { looksLikeVmdkDescriptor, parseVmdkDescriptor, resolveVmdkDescriptorPaths } from './vmdk-descriptor.js';
import type { ResolvedVmdkExtent } from './vmdk-descriptor.js';
import { findSparseExtentTruncation, readEmbeddedDescriptor, readSparseExtentHeader } from './vmdk-sparse.js';
import type { ByteWindow } from './vmdk-sparse.js';
import { resolveVmdkChain } from './vmdk-chain.js';

/** VMDK create types; other strings qemu reports pass through unchanged. */
export type VmdkSubformat =
  | 'monolithicSparse'
  | 'monolithicFlat'
  | 'twoGbMaxExtentSparse'
  | 'twoGbMaxExtentFlat'
  | 'streamOptimized'
  | 'vmfs'
  | 'vmfsSparse'
  | 'seSparse'
  | (string & {});

/** One data file of a multi-file image (VMDK extents). */
export interface ImageExtent {
  /** Absolute path of the extent file. */
  path: string;
  /** Extent type as the descriptor names it (`FLAT`, `SPARSE`, …). */
  type: string;
  /** Size in 512-byte sectors, when the descriptor says. */
  sectors?: number;
}

/** An image a disk is layered on (snapshot parent, qcow2 backing file). */
export interface BackingImage {
  path: string;
  format: string;
}

/** What an image is, read from its content. */
export interface ImageProbe {
  /** Format from the content: `vmdk`, `vpc`, `vhdx`, `qcow2`, `raw`, … */
  format: string;
  /** Guest-visible size in bytes. */
  virtualSize: number;
  /** Bytes the image occupies on the host (the member size for an archive member). */
  actualSize: number;
  /** Parents, nearest first; empty for a standalone image. */
  backingChain: BackingImage[];
  vmdkSubformat?: VmdkSubformat;
  extents?: ImageExtent[];
  /**
   * A VMware snapshot (delta VMDK): every layer's path, newest first, down
   * to the base, each link checked (parent present, content IDs match).
   */
  chain?: string[];
}

/** Options for {@link probeImage}. */
export interface ProbeOptions {
  /** Probe this member of the archive at `path` instead of the whole file. */
  archiveMember?: ArchiveMember;
}

/** File extensions that promise a container format: raw content behind them is refused. */
const PROMISED_FORMATS: Record<string, string> = {
  '.vmdk': 'VMDK',
  '.vhd': 'VHD',
  '.vhdx': 'VHDX',
  '.qcow2': 'qcow2',
  '.qcow': 'qcow',
  '.vdi': 'VDI',
};
const MAX_DESCRIPTOR_BYTES = 1024 * 1024;
const MAX_CHAIN_LENGTH = 64;

/**
 * Identifies a disk image from its content with `qemu-img info`, after
 * checking what qemu does not: VMDK extents and parents stay in the image's
 * folder and exist, sparse VMDKs are not cut short, and a name that promises
 * a format (`.vmdk`, `.vhdx`, …) is not raw data. Every problem is an
 * {@link InputError} naming the file.
 */
export async function probeImage(path: string, options: ProbeOptions = {}): Promise<ImageProbe> {
  if (options.archiveMember !== undefined) return probeArchiveMember(path, options.archiveMember);
  return probeFile(path, 0, true);
}

/** `followBacking` false: one layer of a VMDK chain already resolved by {@link resolveVmdkChain}. */
async function probeFile(path: string, depth: number, followBacking: boolean): Promise<ImageProbe> {
  const absolute = resolve(path);
  const fail = (problem: string): never => {
    throw new InputError(path, problem);
  };
  const size = await regularFileSize(absolute, path);
  if (size === 0) fail('empty file (0 bytes)');

  let extents: ResolvedVmdkExtent[] | undefined;
  const handle = await open(absolute, 'r');
  try {
    const window: ByteWindow = { handle, base: 0, size };
    const head = await readHead(handle, 0, Math.min(size, 4096));
    if (size <= MAX_DESCRIPTOR_BYTES && looksLikeVmdkDescriptor(head)) {
      const bytes = await readHead(handle, 0, size);
      const end = bytes.indexOf(0);
      const text = bytes.toString('utf8', 0, end === -1 ? bytes.length : end);
      const descriptor = parseVmdkDescriptor(text, path);
      const resolved = resolveVmdkDescriptorPaths(descriptor, dirname(absolute), path);
      extents = resolved.extents;
      for (const extent of extents) await checkExtent(extent, path);
    } else {
      const problem = await checkSparseWindow(window, path);
      if (problem !== undefined) fail(problem);
    }
  } finally {
    await handle.close();
  }

  const info = await runInfo(absolute, path);
  const rawProblem = rawBehindPromise(info, basename(path));
  if (rawProblem !== undefined) fail(rawProblem);
  const dataFile = info['format-specific']?.data?.['data-file'];
  if (dataFile !== undefined && resolveLocal(dirname(absolute), dataFile) === undefined) {
    fail(`external data file "${dataFile}" would leave the image's folder`);
  }

  const backingChain: BackingImage[] = [];
  const backingName = info['backing-filename'];
  let chain: string[] | undefined;
  if (followBacking && info.format === 'vmdk' && backingName !== undefined && backingName !== '') {
    const layers = await resolveVmdkChain(absolute, path);
    for (const layer of layers.slice(1)) {
      const parent = await probeFile(layer.path, depth + 1, false);
      backingChain.push({ path: layer.path, format: parent.format });
    }
    chain = layers.map((layer) => layer.path);
  } else if (followBacking && backingName !== undefined && backingName !== '') {
    if (depth >= MAX_CHAIN_LENGTH) fail(`backing chain is longer than ${MAX_CHAIN_LENGTH} images`);
    const backingPath = resolveLocal(dirname(absolute), backingName);
    if (backingPath === undefined) fail(`backing file "${backingName}" would leave the image's folder`);
    const parentPath = backingPath as string;
    if (!(await exists(parentPath))) fail(`backing file "${backingName}" is missing`);
    const parent = await probeFile(parentPath, depth + 1, true);
    backingChain.push({ path: parentPath, format: parent.format }, ...parent.backingChain);
  }

  const probe: ImageProbe = {
    format: info.format,
    virtualSize: info['virtual-size'],
    actualSize: info['actual-size'] ?? size,
    backingChain,
  };
  const createType = info['format-specific']?.data?.['create-type'];
  if (info.format === 'vmdk' && createType !== undefined) probe.vmdkSubformat = createType;
  if (extents !== undefined) {
    probe.extents = extents.flatMap((extent) => (extent.path === undefined ? [] : [{ path: extent.path, type: extent.type, sectors: extent.sectors }]));
  }
  if (chain !== undefined) probe.chain = chain;
  return probe;
}

async function probeArchiveMember(archivePath: string, member: ArchiveMember): Promise<ImageProbe> {
  const absolute = resolve(archivePath);
  const fail = (problem: string): never => {
    throw new InputError(archivePath, `member "${member.name}": ${problem}`);
  };
  if (member.size === 0) fail('empty file (0 bytes)');
  const handle = await open(absolute, 'r');
  try {
    const window: ByteWindow = { handle, base: member.offset, size: member.size };
    const head = await readHead(handle, member.offset, Math.min(member.size, 4096));
    if (looksLikeVmdkDescriptor(head)) {
      fail('is a VMDK descriptor with separate extent files; a disk inside an archive must be a single-file VMDK');
    }
    const header = await readSparseExtentHeader(window);
    if (header !== undefined) {
      const text = await readEmbeddedDescriptor(window, header);
      const parent = text === undefined ? undefined : parseVmdkDescriptor(text, archivePath).parentFileNameHint;
      if (parent !== undefined && parent !== '') fail(`is a snapshot of "${parent}", which the archive does not hold`);
      const problem = await findSparseExtentTruncation(window, header);
      if (problem !== undefined) fail(problem);
    }
  } finally {
    await handle.close();
  }
  let info: QemuImgInfo;
  try {
    info = await qemuImgInfo(archiveMemberProbeFilename(absolute, member));
  } catch (error) {
    if (error instanceof QemuImgFailure) fail(error.message);
    throw error;
  }
  const checked = info as QemuImgInfo;
  const rawProblem = rawBehindPromise(checked, member.name);
  if (rawProblem !== undefined) fail(rawProblem);
  if (checked['backing-filename'] !== undefined) fail('has a backing file; a disk inside an archive must be self-contained');
  const probe: ImageProbe = {
    format: checked.format,
    virtualSize: checked['virtual-size'],
    actualSize: member.size,
    backingChain: [],
  };
  const createType = checked['format-specific']?.data?.['create-type'];
  if (checked.format === 'vmdk' && createType !== undefined) probe.vmdkSubformat = createType;
  return probe;
}

/** Size of a regular file, or an InputError saying why it cannot be a disk. */
async function regularFileSize(absolute: string, shown: string): Promise<number> {
  try {
    const stats = await stat(absolute);
    if (stats.isDirectory()) throw new InputError(shown, 'is a directory, not a disk image');
    return stats.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(shown, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'error'})`, { cause: error });
  }
}

async function checkExtent(extent: ResolvedVmdkExtent, descriptorFile: string): Promise<void> {
  if (extent.path === undefined) return;
  const name = extent.fileName ?? extent.path;
  let size: number;
  try {
    const stats = await stat(extent.path);
    size = stats.size;
  } catch {
    throw new InputError(descriptorFile, `extent "${name}" is missing`);
  }
  if (extent.type === 'FLAT' || extent.type === 'VMFS') {
    const needed = (extent.offset + extent.sectors) * 512;
    if (size < needed) {
      throw new InputError(descriptorFile, `extent "${name}" is truncated: ${size} bytes, the descriptor needs ${needed}`);
    }
  } else if (extent.type === 'SPARSE') {
    const handle = await open(extent.path, 'r');
    try {
      const problem = await checkSparseWindow({ handle, base: 0, size }, descriptorFile);
      if (problem !== undefined) throw new InputError(descriptorFile, `extent "${name}": ${problem}`);
    } finally {
      await handle.close();
    }
  }
}

/** For a sparse VMDK extent: refuses escaping parents and reports truncation. */
async function checkSparseWindow(window: ByteWindow, file: string): Promise<string | undefined> {
  const header = await readSparseExtentHeader(window);
  if (header === undefined) return undefined;
  const text = await readEmbeddedDescriptor(window, header);
  if (text !== undefined && looksLikeVmdkDescriptor(Buffer.from(text))) {
    resolveVmdkDescriptorPaths(parseVmdkDescriptor(text, file), dirname(resolve(file)), file);
  }
  return findSparseExtentTruncation(window, header);
}

async function runInfo(filename: string, shown: string): Promise<QemuImgInfo> {
  try {
    return await qemuImgInfo(filename);
  } catch (error) {
    if (error instanceof QemuImgFailure) throw new InputError(shown, error.message, { cause: error });
    throw error;
  }
}

/** Raw content behind a name that promises a container format is a wrong or damaged file. */
function rawBehindPromise(info: QemuImgInfo, name: string): string | undefined {
  if (info.format !== 'raw') return undefined;
  const promised = PROMISED_FORMATS[extname(name).toLowerCase()];
  if (promised === undefined) return undefined;
  const hint = /-flat\.vmdk$/i.test(name) ? ' (a flat VMDK extent: open its descriptor instead)' : '';
  return `not a ${promised}: content is raw data${hint}`;
}

function resolveLocal(folder: string, name: string): string | undefined {
  return hasQemuProtocol(name) ? undefined : resolveInside(folder, name);
}

async function readHead(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
