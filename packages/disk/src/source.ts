/**
 * Opens the source of one VM, read-only, whatever form the export took: an
 * OVA (plain tar or zip read in place; gzip/xz/bzip2/zstd tar unpacked into
 * the scratch folder), an OVF or VMX beside its disks, a folder holding an
 * unpacked OVA or a VMware VM, or the disk files of one VM. What a file is
 * comes from its content, never its name. Bad input raises an
 * {@link InputError} naming the file.
 */
import { InputError, UsageError, type Finding, type ProgressEvent, type VmDescription, type VmDiskDescription } from '@hyper2kvm/core';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, posix, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { decompress, decompressedHead } from './compression.js';
import type { Compression } from './compression.js';
import { folderPackage, packageName, tarPackage, zipPackage, type ExportPackage, type PackageContainer, type PackageFile } from './export-package.js';
import { planIntegrity, readSmall, type IntegrityPlan } from './integrity.js';
import { parseOvf, type OvfDescription, type OvfDisk } from './ovf.js';
import { probeImage, type ImageProbe } from './probe.js';
import { hasQemuProtocol, resolveInside } from './safe-path.js';
import { classifyHead, sniffSourceFile } from './source-kind.js';
import { readTarIndex } from './tar-index.js';
import { readTarStream } from './tar-stream.js';
import { concatenateToFile, decompressToFile, extractToFile, joinedReader, unpackCompressedTar, type UnpackProgress } from './unpack.js';
import type { VhdxFile } from './vhdx.js';
import { materializeVhdxChain, readVhdxFile, resolveVhdxChain } from './vhdx-chain.js';
import { hasParent, readVmdkLayer } from './vmdk-chain.js';
import { parseVmdkDescriptor } from './vmdk-descriptor.js';
import { readEmbeddedDescriptor, readSparseExtentHeader } from './vmdk-sparse.js';
import { parseVmx, type VmxDescription } from './vmx.js';
import { readZipIndex } from './zip-index.js';

/** Descriptors larger than this are not OVF or VMX files. */
const MAX_DESCRIPTOR_BYTES = 16 * 1024 * 1024;
const PLUGIN = '@hyper2kvm/disk';
/** `parentCID` of a VMDK without a parent. */
const NO_PARENT_CID = 'ffffffff';

export interface OpenSourceOptions {
  /**
   * Folder for copies that cannot be read in place (unpacked archives,
   * decompressed disks). Default: a new temporary folder, removed by
   * `dispose()`. Copies inside a given folder are removed by `dispose()` too.
   */
  scratchDir?: string;
  /** Check the export's manifest (default true); false records that the check was skipped. */
  verifyChecksums?: boolean;
  /** Progress of unpacking and decompressing (`step: 'unpack'`). */
  onProgress?: (event: ProgressEvent) => void;
  /**
   * Describe the VM only (`inspect --hardware-only`): nothing is unpacked,
   * decompressed or merged. A compressed archive is read up to its OVF; a
   * disk that cannot be read in place is described from the OVF (its
   * capacity, `format: 'unknown'`); a checkpoint chain is checked, not merged.
   */
  describeOnly?: boolean;
}

/** How the source was stored. */
export type SourceContainer = PackageContainer | 'vmx' | 'disks';

/** An opened source: the VM it describes and what else was learnt on the way. */
export interface OpenedSource {
  vm: VmDescription;
  container: SourceContainer;
  /** The manifest check; `verify()` reads the files (start it early, it overlaps other work). */
  integrity: IntegrityPlan;
  /** What the plan and report should say about the export itself (manifest, certificate, snapshots taken). */
  findings: Finding[];
  /** Removes the scratch copies. The disks must no longer be read afterwards. */
  dispose(): Promise<void>;
}

/** A scratch folder handed out lazily: nothing is created for sources read in place. */
class Scratch {
  readonly #given: string | undefined;
  #folder: string | undefined;
  #count = 0;

  constructor(given: string | undefined) {
    this.#given = given;
  }

  /** A fresh folder for one unpacked copy. */
  async folder(what: string): Promise<string> {
    if (this.#folder === undefined) {
      if (this.#given !== undefined) await mkdir(this.#given, { recursive: true });
      this.#folder = await mkdtemp(join(this.#given ?? tmpdir(), 'hyper2kvm-source-'));
    }
    this.#count += 1;
    const folder = join(this.#folder, `${this.#count}-${what.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40)}`);
    await mkdir(folder, { recursive: true });
    return folder;
  }

  async dispose(): Promise<void> {
    if (this.#folder !== undefined) await rm(this.#folder, { recursive: true, force: true });
  }
}

interface OpenContext {
  scratch: Scratch;
  verifyChecksums: boolean;
  progress: UnpackProgress;
  describeOnly: boolean;
}

const NO_PACKAGE: IntegrityPlan = { summary: { verification: 'none', checks: [] }, findings: [], bytesToRead: 0, verify: async () => ({ verification: 'none', checks: [] }) };

/**
 * Opens one VM's source. Disks stay where they are whenever qemu can read
 * them there (tar and stored zip members as byte windows); everything else
 * is copied into the scratch folder, after a check that it has room.
 */
export async function openSource(paths: string[], options: OpenSourceOptions = {}): Promise<OpenedSource> {
  if (paths.length === 0) throw new UsageError('no source given: pass an OVA, an OVF, a VMX, a folder holding one, or disk files');
  const scratch = new Scratch(options.scratchDir);
  const context: OpenContext = { scratch, verifyChecksums: options.verifyChecksums ?? true, progress: options.onProgress ? { onProgress: options.onProgress } : {}, describeOnly: options.describeOnly ?? false };
  try {
    const opened = await openAny(paths, context);
    return { ...opened, dispose: () => scratch.dispose() };
  } catch (error) {
    await scratch.dispose();
    throw error;
  }
}

type Opened = Omit<OpenedSource, 'dispose'>;

async function openAny(paths: string[], context: OpenContext): Promise<Opened> {
  const kinds = await Promise.all(paths.map(async (path) => ({ path, kind: await kindOf(path) })));
  const descriptors = kinds.filter(({ kind }) => kind !== 'image');
  if (descriptors.length > 0 && paths.length > 1) {
    throw new UsageError(`give one OVA, OVF, VMX or folder alone, or only disk files (got ${paths.join(', ')})`);
  }
  const [first] = kinds;
  if (first === undefined) throw new UsageError('no source given');
  switch (first.kind) {
    case 'folder':
      return openFolder(resolve(first.path), first.path, context);
    case 'tar': {
      const absolute = resolve(first.path);
      const members = await readTarIndex(absolute, first.path);
      return openPackage(tarPackage(absolute, members), first.path, context);
    }
    case 'zip': {
      const absolute = resolve(first.path);
      const handle = await open(absolute, 'r');
      const members = await readZipIndex(handle, (await handle.stat()).size, first.path).finally(() => handle.close());
      return openPackage(zipPackage(absolute, members), first.path, context);
    }
    case 'ovf': {
      const absolute = resolve(first.path);
      const pkg = folderPackage(dirname(absolute));
      return openOvf(pkg, basename(absolute), first.path, context);
    }
    case 'vmx':
      return openVmx(resolve(first.path), first.path);
    case 'image':
      return openDisks(paths, context);
    default:
      return openCompressed(resolve(first.path), first.kind, first.path, context);
  }
}

type Kind = 'folder' | 'tar' | 'zip' | 'ovf' | 'vmx' | 'image' | Compression;

async function kindOf(path: string): Promise<Kind> {
  let stats;
  try {
    stats = await stat(path);
  } catch (error) {
    throw new InputError(path, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  if (stats.isDirectory()) return 'folder';
  if (!stats.isFile()) throw new InputError(path, 'is not a regular file');
  if (stats.size === 0) throw new InputError(path, 'empty file (0 bytes)');
  const sniffed = await sniffSourceFile(path).catch((error: unknown) => {
    throw new InputError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  });
  // Content decides; a name that promises a descriptor only turns unknown content into a clear refusal.
  if (sniffed.kind === 'image') {
    const promised = PROMISED_DESCRIPTORS[extname(path).toLowerCase()];
    if (promised !== undefined) throw new InputError(path, promised);
  }
  return sniffed.kind === 'compressed' ? sniffed.compression : sniffed.kind;
}

/** Names that promise an export descriptor: the refusal when the content is none. */
const PROMISED_DESCRIPTORS: Record<string, string> = {
  '.ova': 'not an OVA: the content is not a tar or zip archive, plain or compressed',
  '.ovf': 'not an OVF: the content is not an XML document with an Envelope',
  '.vmx': 'not a VMX: the content is not VMware configuration lines (key = "value")',
};

/**
 * A compressed file: a compressed tar (an OVA) is unpacked whole; anything
 * else is taken as one compressed disk image and decompressed.
 */
async function openCompressed(path: string, compression: Compression, shown: string, context: OpenContext): Promise<Opened> {
  const input = (): ReturnType<typeof createReadStream> => createReadStream(path, { highWaterMark: 1024 * 1024 });
  const head = await decompressedHead(compression, input, shown, 4096);
  const inner = classifyHead(head);
  if (inner.kind === 'tar' && context.describeOnly) {
    const ovf = await firstOvfMember(compression, input, shown);
    const pkg = memoryPackage(path, `tar.${compression}`, [ovf]);
    const opened = await openOvf(pkg, ovf.name, shown, context);
    // Only the OVF was read: say nothing about a manifest further in.
    return { ...opened, integrity: { ...NO_PACKAGE, summary: { verification: 'not-checked', checks: [] } }, findings: opened.findings.filter((finding) => finding.rule !== 'no-manifest') };
  }
  if (inner.kind === 'tar') {
    const folder = await context.scratch.folder(basename(path));
    const pkg = await unpackCompressedTar(path, compression, folder, { ...context.progress, shown });
    return openPackage(pkg, shown, context);
  }
  if (inner.kind !== 'image') throw new InputError(shown, `is a ${compression}-compressed ${inner.kind === 'compressed' ? 'compressed file' : inner.kind}; only compressed tar archives (OVAs) and disk images are understood`);
  if (context.describeOnly) {
    return { vm: { name: basename(path, extname(path)), disks: [{ path, format: 'unknown', virtualSize: 0 }], nics: [], origin: 'disks' }, container: 'disks', integrity: NO_PACKAGE, findings: [] };
  }
  const folder = await context.scratch.folder(basename(path));
  const target = join(folder, basename(path, extname(path)) || 'disk');
  await decompressToFile({ input, compressedSize: (await stat(path)).size, path }, compression, target, { ...context.progress, shown });
  const probe = await probeImage(target);
  const disk = diskFrom(target, probe);
  return { vm: { name: basename(target, extname(target)), disks: [disk], nics: [], origin: 'disks' }, container: 'disks', integrity: NO_PACKAGE, findings: [] };
}

/** Thrown by the sink that found the OVF, to stop reading the rest of the archive. */
class FoundOvf extends Error {}

/** The first `.ovf` member of a compressed tar, read without unpacking the rest. */
async function firstOvfMember(compression: Compression, input: () => ReturnType<typeof createReadStream>, shown: string): Promise<{ name: string; data: Buffer }> {
  const running = decompress(compression, input, shown);
  let found: { name: string; data: Buffer } | undefined;
  try {
    await readTarStream(running.output, shown, async (member) => {
      if (!member.name.toLowerCase().endsWith('.ovf') || member.size > MAX_DESCRIPTOR_BYTES) return undefined;
      const chunks: Buffer[] = [];
      return {
        write: async (chunk) => void chunks.push(chunk),
        end: async () => {
          found = { name: member.name, data: Buffer.concat(chunks) };
          throw new FoundOvf();
        },
      };
    });
  } catch (error) {
    if (!(error instanceof FoundOvf)) throw error;
  } finally {
    running.stop();
  }
  if (found === undefined) throw new InputError(shown, 'not an OVA: the archive has no .ovf member');
  return found;
}

/** Files held in memory (an OVF read out of a compressed archive). */
function memoryPackage(origin: string, container: PackageContainer, files: { name: string; data: Buffer }[]): ExportPackage {
  const entries: PackageFile[] = files.map(({ name, data }) => ({ name, size: data.length, read: () => Readable.from([data]), digests: {} }));
  return {
    origin,
    container,
    file: async (name) => entries.find((entry) => entry.name === name),
    list: async (folder) => entries.filter((entry) => (posix.dirname(entry.name) === '.' ? '' : posix.dirname(entry.name)) === folder),
    all: async () => entries,
  };
}

/** A folder: an unpacked OVA (its `.ovf`) or a VMware VM (its `.vmx`), never a guest root (that is `dir:`). */
async function openFolder(folder: string, shown: string, context: OpenContext): Promise<Opened> {
  const pkg = folderPackage(folder);
  const candidates = await descriptorsIn(folder);
  const ovfs = candidates.filter((name) => name.toLowerCase().endsWith('.ovf'));
  if (ovfs.length > 1) throw new InputError(shown, `the folder holds ${ovfs.length} OVF files (${ovfs.join(', ')}); name the one to migrate`);
  if (ovfs.length === 1) return openOvf(pkg, ovfs[0]!, shown, context);
  const vmxs = candidates.filter((name) => name.toLowerCase().endsWith('.vmx'));
  if (vmxs.length > 1) throw new InputError(shown, `the folder holds ${vmxs.length} VMX files (${vmxs.join(', ')}); name the one to migrate`);
  if (vmxs.length === 1) return openVmx(join(folder, vmxs[0]!), shown);
  throw new InputError(shown, 'is a folder without an .ovf or .vmx file; to migrate a folder holding a guest\'s root file system, name it with dir: (it is then repaired in place)', { code: 'NO_DESCRIPTOR' });
}

/** `.ovf` and `.vmx` files in a folder and its direct subfolders (an OVA unpacked with its own top folder). */
async function descriptorsIn(folder: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(folder, { withFileTypes: true });
  const isDescriptor = (name: string): boolean => /\.(ovf|vmx)$/i.test(name);
  for (const entry of entries) if (entry.isFile() && isDescriptor(entry.name)) found.push(entry.name);
  if (found.length > 0) return found;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const inner = await readdir(join(folder, entry.name), { withFileTypes: true }).catch(() => []);
    for (const child of inner) if (child.isFile() && isDescriptor(child.name)) found.push(`${entry.name}/${child.name}`);
  }
  return found;
}

/** An archive's files: find its one OVF, wherever in the archive it is. */
async function openPackage(pkg: ExportPackage, shown: string, context: OpenContext): Promise<Opened> {
  const ovfs = (await pkg.all()).filter((file) => file.name.toLowerCase().endsWith('.ovf'));
  if (ovfs.length === 0) throw new InputError(shown, 'not an OVA: the archive has no .ovf member');
  if (ovfs.length > 1) throw new InputError(shown, `the archive has ${ovfs.length} .ovf members (${ovfs.map((file) => file.name).join(', ')}); expected one`);
  return openOvf(pkg, ovfs[0]!.name, shown, context);
}

/** The VM an OVF describes, its disks found in the package (chunked, numbered, compressed or plain). */
async function openOvf(pkg: ExportPackage, ovfName: string, shown: string, context: OpenContext): Promise<Opened> {
  const ovfFile = await pkg.file(ovfName);
  if (ovfFile === undefined) throw new InputError(shown, `"${ovfName}" is missing`);
  if (ovfFile.size === 0) throw new InputError(shown, `"${ovfName}" is empty (0 bytes)`);
  if (ovfFile.size > MAX_DESCRIPTOR_BYTES) throw new InputError(shown, `"${ovfName}" is too large for an OVF (${ovfFile.size} bytes)`);
  const ovfShown = pkg.container === 'folder' ? join(pkg.origin, ovfName) : shown;
  const ovf = parseOvf(await readSmall(ovfFile, shown), ovfShown);
  const folder = posix.dirname(ovfName) === '.' ? '' : posix.dirname(ovfName);
  const stem = posix.basename(ovfName).replace(/\.ovf$/i, '');
  const siblings = await pkg.list(folder);
  const sibling = (extension: string): PackageFile | undefined => {
    const exact = siblings.find((file) => posix.basename(file.name).toLowerCase() === `${stem}.${extension}`.toLowerCase());
    if (exact) return exact;
    const any = siblings.filter((file) => file.name.toLowerCase().endsWith(`.${extension}`));
    return any.length === 1 ? any[0] : undefined;
  };
  const findings: Finding[] = [];
  const used = [ovfFile.name];
  const disks: VmDiskDescription[] = [];
  for (const ovfDisk of ovf.disks) {
    const href = ovfDisk.href;
    if (href === undefined) continue; // a blank disk created on import
    if (context.describeOnly) {
      disks.push(await describeDisk(pkg, folder, { ...ovfDisk, href }, shown, findings));
      continue;
    }
    const located = await locateDisk(pkg, folder, { ...ovfDisk, href }, shown, findings);
    used.push(...located.parts.map((part) => part.name));
    disks.push(await materializeDisk(pkg, located, ovfDisk, shown, context));
  }
  const integrity = await planIntegrity(pkg, sibling('mf'), sibling('cert'), { shown, verifyChecksums: context.verifyChecksums, used });
  const descriptorPath = pkg.container === 'folder' ? join(pkg.origin, ovfName) : resolve(shown);
  return { vm: describeOvf(ovf, disks, descriptorPath), container: pkg.container, integrity, findings: [...integrity.findings, ...findings] };
}

/** The files holding one OVF disk, and how they make it up. */
interface LocatedDisk {
  href: string;
  parts: PackageFile[];
  /** `chunks`: join `parts` in order; `single`: `parts[0]` is the disk. */
  layout: 'single' | 'chunks';
}

/**
 * Finds a disk's files. `ovf:chunkSize` splits a file into `href.000000000`,
 * `.000000001`, … (DSP0243), joined in order. Without it, a missing `href`
 * whose numbered members exist is a VMware export naming its newest snapshot
 * that way (the highest number is the disk's current state).
 */
async function locateDisk(pkg: ExportPackage, folder: string, disk: OvfDisk & { href: string }, shown: string, findings: Finding[]): Promise<LocatedDisk> {
  const name = hasQemuProtocol(disk.href) ? undefined : packageName(folder, disk.href);
  if (name === undefined) throw new InputError(shown, `disk file "${disk.href}" would leave the package`);
  const numbered = async (): Promise<{ index: number; file: PackageFile }[]> => {
    const prefix = `${posix.basename(name)}.`;
    const files = await pkg.list(posix.dirname(name) === '.' ? '' : posix.dirname(name));
    return files
      .filter((file) => posix.basename(file.name).startsWith(prefix) && /^\d+$/.test(posix.basename(file.name).slice(prefix.length)))
      .map((file) => ({ index: Number(posix.basename(file.name).slice(prefix.length)), file }))
      .sort((a, b) => a.index - b.index);
  };
  if (disk.chunkSize !== undefined) {
    const chunks = await numbered();
    if (chunks.length === 0) throw new InputError(shown, `disk file "${disk.href}" is split into chunks (ovf:chunkSize ${disk.chunkSize}), but no chunk "${disk.href}.000000000" is there`);
    chunks.forEach((chunk, position) => {
      if (chunk.index !== position) throw new InputError(shown, `chunk ${position} of "${disk.href}" is missing (found "${posix.basename(chunk.file.name)}" instead)`);
      if (position < chunks.length - 1 && chunk.file.size !== disk.chunkSize) {
        throw new InputError(shown, `chunk "${posix.basename(chunk.file.name)}" holds ${chunk.file.size} bytes, but ovf:chunkSize says every chunk but the last holds ${disk.chunkSize}`);
      }
    });
    return { href: disk.href, parts: chunks.map((chunk) => chunk.file), layout: 'chunks' };
  }
  const direct = await pkg.file(name);
  if (direct) return { href: disk.href, parts: [direct], layout: 'single' };
  const snapshots = await numbered();
  const newest = snapshots.at(-1);
  if (newest === undefined) throw new InputError(shown, `disk file "${disk.href}" is not in the ${pkg.container === 'folder' ? 'folder' : 'archive'}`);
  findings.push({
    plugin: PLUGIN,
    rule: 'disk-from-numbered-snapshot',
    severity: 'info',
    message: `disk "${disk.href}" is stored as ${snapshots.length} numbered file(s); migrating the newest, "${posix.basename(newest.file.name)}"`,
  });
  return { href: disk.href, parts: [newest.file], layout: 'single' };
}

/**
 * A disk described without copying anything: probed in place when it can be
 * read there, else from what the OVF says (its capacity).
 */
async function describeDisk(pkg: ExportPackage, folder: string, ovfDisk: OvfDisk & { href: string }, shown: string, findings: Finding[]): Promise<VmDiskDescription> {
  const located = await locateDisk(pkg, folder, ovfDisk, shown, findings).catch(() => undefined);
  const [only] = located?.parts ?? [];
  if (located?.layout === 'single' && ovfDisk.compression === undefined && only?.inPlace !== undefined) {
    const place = only.inPlace;
    const probe = await probeImage(place.path, place.member ? { archiveMember: place.member } : {});
    return { ...diskFrom(place.path, probe, ovfDisk), ...(place.member ? { archiveMember: { name: place.member.name, offset: place.member.offset, size: place.member.size } } : {}) };
  }
  const disk: VmDiskDescription = { path: pkg.origin, format: /vmdk/i.test(ovfDisk.format ?? ovfDisk.href) ? 'vmdk' : 'unknown', virtualSize: ovfDisk.capacityBytes ?? 0, controller: ovfDisk.controller };
  if (ovfDisk.address !== undefined) disk.address = ovfDisk.address;
  return disk;
}

/** Puts a located disk where qemu can read it (in place when possible) and probes it. */
async function materializeDisk(pkg: ExportPackage, located: LocatedDisk, ovfDisk: OvfDisk, shown: string, context: OpenContext): Promise<VmDiskDescription> {
  const compression = ovfDisk.compression;
  if (compression !== undefined && compression !== 'gzip') {
    throw new InputError(shown, `disk file "${located.href}" uses ovf:compression="${compression}"; the OVF standard knows only gzip`);
  }
  const [only] = located.parts;
  let target: string | undefined;
  const folder = async (): Promise<string> => context.scratch.folder(posix.basename(located.href));
  if (compression === 'gzip') {
    const parts = located.parts;
    target = join(await folder(), posix.basename(located.href).replace(/\.gz$/i, '') || 'disk');
    await decompressToFile({ input: joinedReader(parts), compressedSize: parts.reduce((sum, part) => sum + part.size, 0) }, 'gzip', target, { ...context.progress, shown: `${shown} "${located.href}"` });
  } else if (located.layout === 'chunks') {
    target = join(await folder(), posix.basename(located.href));
    await concatenateToFile(located.parts, target, { ...context.progress, shown: `${shown} "${located.href}"` });
  } else if (only !== undefined && only.inPlace === undefined) {
    target = join(await folder(), posix.basename(only.name));
    Object.assign(only.digests, await extractToFile(only, target, [], { ...context.progress, shown }));
  } else if (only?.inPlace?.member !== undefined && (await isDelta(only.inPlace.path, only.inPlace.member))) {
    return { ...(await extractChain(pkg, only, located.href, shown, context)), controller: ovfDisk.controller, ...(ovfDisk.address ? { address: ovfDisk.address } : {}) };
  }
  if (target !== undefined) return diskFrom(target, await probeImage(target), ovfDisk);
  const place = only!.inPlace!;
  if (place.member === undefined) {
    await requireDiskFile(place.path, shown, `disk file "${located.href}"`);
    return diskFrom(place.path, await probeImage(place.path), ovfDisk);
  }
  const probe = await probeImage(place.path, { archiveMember: place.member });
  return { ...diskFrom(place.path, probe, ovfDisk), archiveMember: { name: place.member.name, offset: place.member.offset, size: place.member.size } };
}

/** True when an archive member is a delta VMDK (a sparse extent whose embedded descriptor names a parent). */
async function isDelta(archive: string, member: { offset: number; size: number }): Promise<boolean> {
  const handle = await open(archive, 'r');
  try {
    const window = { handle, base: member.offset, size: member.size };
    const header = await readSparseExtentHeader(window);
    const text = header === undefined ? undefined : await readEmbeddedDescriptor(window, header);
    if (text === undefined) return false;
    const descriptor = parseVmdkDescriptor(text, archive);
    return (descriptor.parentFileNameHint ?? '') !== '' && (descriptor.parentCid ?? NO_PARENT_CID).toLowerCase() !== NO_PARENT_CID;
  } finally {
    await handle.close();
  }
}

/**
 * A snapshot layer inside an archive: qemu cannot follow a parent hint
 * inside a tar, so the layer and its ancestors (looked up by their hints in
 * the layer's archive folder) are copied into one scratch folder, where the
 * chain is checked and opened as for a VMX.
 */
async function extractChain(pkg: ExportPackage, top: PackageFile, href: string, shown: string, context: OpenContext): Promise<VmDiskDescription> {
  const folder = await context.scratch.folder(`chain-${posix.basename(href)}`);
  const archiveFolder = posix.dirname(top.name) === '.' ? '' : posix.dirname(top.name);
  const topPath = join(folder, posix.basename(top.name));
  const copied = new Set<string>();
  let current: PackageFile | undefined = top;
  while (current !== undefined && !copied.has(current.name)) {
    copied.add(current.name);
    const target = join(folder, posix.basename(current.name));
    await extractToFile(current, target, [], { ...context.progress, shown });
    const layer = await readVmdkLayer(target);
    if (layer === undefined || !hasParent(layer)) break;
    // A missing parent is left for the chain check, which names the missing link.
    const parentName = packageName(archiveFolder, posix.basename(layer.parentFileNameHint!.replace(/\\/g, '/')));
    current = parentName === undefined ? undefined : await pkg.file(parentName);
  }
  return diskFrom(topPath, await probeImage(topPath));
}

/** A VMX beside its disks. */
async function openVmx(absolute: string, shown: string): Promise<Opened> {
  const vmx = parseVmx(await readDescriptor(absolute, shown), shown);
  const disks: VmDiskDescription[] = [];
  for (const vmxDisk of vmx.disks) {
    const diskPath = hasQemuProtocol(vmxDisk.fileName) ? undefined : resolveInside(dirname(absolute), vmxDisk.fileName);
    if (diskPath === undefined) throw new InputError(shown, `disk "${vmxDisk.fileName}" (${vmxDisk.device}) would leave the VMX's folder`);
    await requireDiskFile(diskPath, shown, `disk "${vmxDisk.fileName}" (${vmxDisk.device})`);
    const probe = await probeImage(diskPath);
    disks.push({ ...diskFrom(diskPath, probe), controller: vmxDisk.controller, address: vmxDisk.address });
  }
  return { vm: describeVmx(vmx, disks, absolute), container: 'vmx', integrity: NO_PACKAGE, findings: [] };
}

async function openDisks(paths: string[], context: OpenContext): Promise<Opened> {
  const seen = new Set<string>();
  const disks: VmDiskDescription[] = [];
  for (const path of paths) {
    const absolute = resolve(path);
    if (seen.has(absolute)) throw new UsageError(`${path}: given twice`);
    seen.add(absolute);
    const vhdx = await readVhdxFile(absolute).catch(() => undefined);
    disks.push(vhdx?.hasParent ? await openCheckpointChain(absolute, vhdx, path, context) : diskFrom(absolute, await probeImage(path)));
  }
  const [first] = paths;
  const vm: VmDescription = { disks, nics: [], origin: 'disks' };
  if (first !== undefined) vm.name = basename(first, extname(first));
  return { vm, container: 'disks', integrity: NO_PACKAGE, findings: [] };
}

/**
 * A Hyper-V checkpoint (differencing VHDX): the chain is checked, then its
 * newest state is written as a qcow2 layer on the base in the scratch folder.
 */
async function openCheckpointChain(top: string, first: VhdxFile, shown: string, context: OpenContext): Promise<VmDiskDescription> {
  const layers = await resolveVhdxChain(top, first, shown);
  if (context.describeOnly) return { path: top, format: 'vhdx', virtualSize: first.virtualSize, chain: layers.map((layer) => layer.path) };
  const base = layers.at(-1)!;
  await probeImage(base.path); // the base is read by qemu: its own problems (a pending log) come first
  const target = join(await context.scratch.folder(`checkpoints-${basename(top)}`), `${basename(top, extname(top))}.qcow2`);
  await materializeVhdxChain(layers, target, shown);
  return { path: target, format: 'qcow2', virtualSize: first.virtualSize, chain: layers.map((layer) => layer.path) };
}

function diskFrom(path: string, probe: ImageProbe, ovfDisk?: OvfDisk): VmDiskDescription {
  const disk: VmDiskDescription = { path, format: probe.format, virtualSize: probe.virtualSize };
  if (ovfDisk !== undefined) {
    disk.controller = ovfDisk.controller;
    if (ovfDisk.address !== undefined) disk.address = ovfDisk.address;
  }
  if (probe.chain !== undefined && probe.chain.length > 1) disk.chain = probe.chain;
  return disk;
}

function describeOvf(ovf: OvfDescription, disks: VmDiskDescription[], descriptorPath: string): VmDescription {
  const vm: VmDescription = { disks, nics: ovf.nics, cdroms: ovf.cdroms, origin: 'ovf', descriptorPath };
  if (ovf.name !== undefined) vm.name = ovf.name;
  if (ovf.vcpus !== undefined) vm.vcpus = ovf.vcpus;
  if (ovf.topology !== undefined) vm.topology = ovf.topology;
  if (ovf.memoryMiB !== undefined) vm.memoryMiB = ovf.memoryMiB;
  if (ovf.firmware !== undefined) vm.firmware = ovf.firmware;
  if (ovf.secureBoot !== undefined) vm.secureBoot = ovf.secureBoot;
  if (ovf.genid !== undefined) vm.genid = ovf.genid;
  return vm;
}

function describeVmx(vmx: VmxDescription, disks: VmDiskDescription[], descriptorPath: string): VmDescription {
  const vm: VmDescription = { disks, nics: vmx.nics, cdroms: vmx.cdroms, origin: 'vmx', descriptorPath, vcpus: vmx.vcpus, firmware: vmx.firmware, secureBoot: vmx.secureBoot };
  if (vmx.name !== undefined) vm.name = vmx.name;
  if (vmx.topology !== undefined) vm.topology = vmx.topology;
  if (vmx.memoryMiB !== undefined) vm.memoryMiB = vmx.memoryMiB;
  if (vmx.genid !== undefined) vm.genid = vmx.genid;
  if (vmx.vtpm) vm.vtpm = true;
  return vm;
}

async function readDescriptor(absolute: string, shown: string): Promise<string> {
  const size = await requireDiskFile(absolute, shown, 'file');
  if (size === 0) throw new InputError(shown, 'empty file (0 bytes)');
  if (size > MAX_DESCRIPTOR_BYTES) throw new InputError(shown, `too large for a descriptor (${size} bytes)`);
  return readFile(absolute, 'utf8');
}

/** Size of a file that must exist; otherwise an InputError against `shown`. */
async function requireDiskFile(absolute: string, shown: string, what: string): Promise<number> {
  try {
    const stats = await stat(absolute);
    if (!stats.isFile()) throw new InputError(shown, `${what} is not a regular file`);
    return stats.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(shown, what === 'file' ? 'no such file' : `${what} is missing`, { cause: error });
  }
}
