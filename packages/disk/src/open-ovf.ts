/**
 * OVF packages (an OVA, an unpacked folder, an OVF beside its disks): the
 * VM the OVF describes, its disks found in the package however they are
 * stored, and the manifest check.
 */
import { InputError, type Finding, type VmDescription, type VmDiskDescription } from '@hyper2kvm/core';
import type { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { decompress, type Compression } from './compression.js';
import { packageName, type ExportPackage, type PackageContainer, type PackageFile } from './export-package.js';
import { planIntegrity, readSmall } from './integrity.js';
import { MAX_DESCRIPTOR_BYTES, diskFrom, requireDiskFile, type OpenContext, type Opened } from './open-context.js';
import { parseOvf, type OvfDescription, type OvfDisk } from './ovf.js';
import { probeImage } from './probe.js';
import { hasQemuProtocol } from './safe-path.js';
import { readTarStream } from './tar-stream.js';
import { concatenateToFile, decompressToFile, extractToFile, joinedReader } from './unpack.js';
import { hasParent, readVmdkLayer } from './vmdk-chain.js';
import { parseVmdkDescriptor } from './vmdk-descriptor.js';
import { readEmbeddedDescriptor, readSparseExtentHeader } from './vmdk-sparse.js';

const PLUGIN = '@hyper2kvm/disk';

/** `parentCID` of a VMDK without a parent. */
const NO_PARENT_CID = 'ffffffff';

/** An archive's files: find its one OVF, wherever in the archive it is. */
export async function openPackage(pkg: ExportPackage, shown: string, context: OpenContext): Promise<Opened> {
  const ovfs = (await pkg.all()).filter((file) => file.name.toLowerCase().endsWith('.ovf'));
  if (ovfs.length === 0) throw new InputError(shown, 'not an OVA: the archive has no .ovf member');
  if (ovfs.length > 1) throw new InputError(shown, `the archive has ${ovfs.length} .ovf members (${ovfs.map((file) => file.name).join(', ')}); expected one`);
  return openOvf(pkg, ovfs[0]!.name, shown, context);
}

/** The VM an OVF describes, its disks found in the package (chunked, numbered, compressed or plain). */
export async function openOvf(pkg: ExportPackage, ovfName: string, shown: string, context: OpenContext): Promise<Opened> {
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
    if (chunks.length === 0)
      throw new InputError(
        shown,
        `disk file "${disk.href}" is split into chunks (ovf:chunkSize ${disk.chunkSize}), but no chunk "${disk.href}.000000000" is there`,
      );
    chunks.forEach((chunk, position) => {
      if (chunk.index !== position)
        throw new InputError(shown, `chunk ${position} of "${disk.href}" is missing (found "${posix.basename(chunk.file.name)}" instead)`);
      if (position < chunks.length - 1 && chunk.file.size !== disk.chunkSize) {
        throw new InputError(
          shown,
          `chunk "${posix.basename(chunk.file.name)}" holds ${chunk.file.size} bytes, but ovf:chunkSize says every chunk but the last holds ${disk.chunkSize}`,
        );
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
async function describeDisk(
  pkg: ExportPackage,
  folder: string,
  ovfDisk: OvfDisk & { href: string },
  shown: string,
  findings: Finding[],
): Promise<VmDiskDescription> {
  const located = await locateDisk(pkg, folder, ovfDisk, shown, findings).catch(() => undefined);
  const [only] = located?.parts ?? [];
  if (located?.layout === 'single' && ovfDisk.compression === undefined && only?.inPlace !== undefined) {
    const place = only.inPlace;
    const probe = await probeImage(place.path, place.member ? { archiveMember: place.member } : {});
    return {
      ...diskFrom(place.path, probe, ovfDisk),
      ...(place.member ? { archiveMember: { name: place.member.name, offset: place.member.offset, size: place.member.size } } : {}),
    };
  }
  const disk: VmDiskDescription = {
    path: pkg.origin,
    format: /vmdk/i.test(ovfDisk.format ?? ovfDisk.href) ? 'vmdk' : 'unknown',
    virtualSize: ovfDisk.capacityBytes ?? 0,
    controller: ovfDisk.controller,
  };
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
    await decompressToFile({ input: joinedReader(parts), compressedSize: parts.reduce((sum, part) => sum + part.size, 0) }, 'gzip', target, {
      ...context.progress,
      shown: `${shown} "${located.href}"`,
    });
  } else if (located.layout === 'chunks') {
    target = join(await folder(), posix.basename(located.href));
    await concatenateToFile(located.parts, target, { ...context.progress, shown: `${shown} "${located.href}"` });
  } else if (only !== undefined && only.inPlace === undefined) {
    target = join(await folder(), posix.basename(only.name));
    Object.assign(only.digests, await extractToFile(only, target, [], { ...context.progress, shown }));
  } else if (only?.inPlace?.member !== undefined && (await isDelta(only.inPlace.path, only.inPlace.member))) {
    return {
      ...(await extractChain(pkg, only, located.href, shown, context)),
      controller: ovfDisk.controller,
      ...(ovfDisk.address ? { address: ovfDisk.address } : {}),
    };
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

/** Thrown by the sink that found the OVF, to stop reading the rest of the archive. */
class FoundOvf extends Error {}

/** The first `.ovf` member of a compressed tar, read without unpacking the rest. */
export async function firstOvfMember(
  compression: Compression,
  input: () => ReturnType<typeof createReadStream>,
  shown: string,
): Promise<{ name: string; data: Buffer }> {
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
export function memoryPackage(origin: string, container: PackageContainer, files: { name: string; data: Buffer }[]): ExportPackage {
  const entries: PackageFile[] = files.map(({ name, data }) => ({ name, size: data.length, read: () => Readable.from([data]), digests: {} }));
  return {
    origin,
    container,
    file: async (name) => entries.find((entry) => entry.name === name),
    list: async (folder) => entries.filter((entry) => (posix.dirname(entry.name) === '.' ? '' : posix.dirname(entry.name)) === folder),
    all: async () => entries,
  };
}
