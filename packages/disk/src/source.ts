import type { VmDescription, VmDiskDescription } from '@hyper2kvm/core';
import { InputError, UsageError } from '@hyper2kvm/core';
import { open, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { parseOvf } from './ovf.js';
import type { OvfDisk } from './ovf.js';
import { probeImage } from './probe.js';
import { hasQemuProtocol, resolveInside } from './safe-path.js';
import { readTarIndex } from './tar-index.js';
import type { TarMember } from './tar-index.js';
import { parseVmx } from './vmx.js';

/** Descriptors larger than this are not OVF or VMX files. */
const MAX_DESCRIPTOR_BYTES = 16 * 1024 * 1024;

/**
 * Opens the source of one VM, read-only: one OVA, one OVF or one VMX (disks
 * beside it), or the disk files of one VM. Disks are probed from their
 * content; OVA disks stay inside the archive and are described as tar
 * members. Bad input raises an {@link InputError} naming the file.
 */
export async function openSource(paths: string[]): Promise<VmDescription> {
  if (paths.length === 0) throw new UsageError('no source given: pass an OVA, an OVF, a VMX or disk files');
  const descriptors = paths.filter((path) => ['.ova', '.ovf', '.vmx'].includes(extname(path).toLowerCase()));
  if (descriptors.length > 0 && paths.length > 1) {
    throw new UsageError(`give one OVA, OVF or VMX alone, or only disk files (got ${paths.join(', ')})`);
  }
  const [first] = paths;
  if (first === undefined) throw new UsageError('no source given');
  switch (extname(first).toLowerCase()) {
    case '.ova':
      return openOva(first);
    case '.ovf':
      return openOvf(first);
    case '.vmx':
      return openVmx(first);
    default:
      return openDisks(paths);
  }
}

async function openOva(path: string): Promise<VmDescription> {
  const absolute = resolve(path);
  const members = await readTarIndex(absolute, path).catch((error: unknown) => rethrowUnreadable(error, path));
  const ovfMembers = members.filter((member) => member.name.toLowerCase().endsWith('.ovf'));
  const ovfMember = ovfMembers[0];
  if (ovfMember === undefined) throw new InputError(path, 'not an OVA: the archive has no .ovf member');
  if (ovfMembers.length > 1) throw new InputError(path, `the archive has ${ovfMembers.length} .ovf members; expected one`);
  if (ovfMember.size > MAX_DESCRIPTOR_BYTES) throw new InputError(path, `member "${ovfMember.name}" is too large for an OVF`);
  const ovf = parseOvf((await readMember(absolute, ovfMember)).toString('utf8'), path);

  const disks: VmDiskDescription[] = [];
  for (const ovfDisk of withFiles(ovf.disks)) {
    const member = members.find((candidate) => stripDotSlash(candidate.name) === stripDotSlash(ovfDisk.href));
    if (member === undefined) throw new InputError(path, `disk file "${ovfDisk.href}" is not in the archive`);
    refuseCompressed(ovfDisk, path);
    const probe = await probeImage(absolute, { tarMember: member });
    disks.push({
      path: absolute,
      format: probe.format,
      virtualSize: probe.virtualSize,
      controller: ovfDisk.controller,
      tarMember: { offset: member.offset, size: member.size, name: member.name },
    });
  }
  return describe('ovf', absolute, ovf, disks);
}

async function openOvf(path: string): Promise<VmDescription> {
  const absolute = resolve(path);
  const ovf = parseOvf(await readDescriptor(absolute, path), path);
  const disks: VmDiskDescription[] = [];
  for (const ovfDisk of withFiles(ovf.disks)) {
    refuseCompressed(ovfDisk, path);
    const diskPath = resolveInside(dirname(absolute), ovfDisk.href);
    if (diskPath === undefined) throw new InputError(path, `disk file "${ovfDisk.href}" would leave the OVF's folder`);
    await requireFile(diskPath, path, `disk file "${ovfDisk.href}"`);
    const probe = await probeImage(diskPath);
    disks.push({ path: diskPath, format: probe.format, virtualSize: probe.virtualSize, controller: ovfDisk.controller });
  }
  return describe('ovf', absolute, ovf, disks);
}

async function openVmx(path: string): Promise<VmDescription> {
  const absolute = resolve(path);
  const vmx = parseVmx(await readDescriptor(absolute, path), path);
  const disks: VmDiskDescription[] = [];
  for (const vmxDisk of vmx.disks) {
    const diskPath = hasQemuProtocol(vmxDisk.fileName) ? undefined : resolveInside(dirname(absolute), vmxDisk.fileName);
    if (diskPath === undefined) {
      throw new InputError(path, `disk "${vmxDisk.fileName}" (${vmxDisk.device}) would leave the VMX's folder`);
    }
    await requireFile(diskPath, path, `disk "${vmxDisk.fileName}" (${vmxDisk.device})`);
    const probe = await probeImage(diskPath);
    disks.push({ path: diskPath, format: probe.format, virtualSize: probe.virtualSize, controller: vmxDisk.controller });
  }
  return describe('vmx', absolute, vmx, disks);
}

async function openDisks(paths: string[]): Promise<VmDescription> {
  const seen = new Set<string>();
  const disks: VmDiskDescription[] = [];
  for (const path of paths) {
    const absolute = resolve(path);
    if (seen.has(absolute)) throw new UsageError(`${path}: given twice`);
    seen.add(absolute);
    const probe = await probeImage(path);
    disks.push({ path: absolute, format: probe.format, virtualSize: probe.virtualSize });
  }
  const [first] = paths;
  const vm: VmDescription = { disks, nics: [], origin: 'disks' };
  if (first !== undefined) vm.name = basename(first, extname(first));
  return vm;
}

type VmFacts = Pick<VmDescription, 'name' | 'vcpus' | 'memoryMiB' | 'firmware' | 'secureBoot' | 'nics'>;

function describe(origin: 'ovf' | 'vmx', descriptorPath: string, facts: VmFacts, disks: VmDiskDescription[]): VmDescription {
  const vm: VmDescription = { disks, nics: facts.nics, origin, descriptorPath };
  if (facts.name !== undefined) vm.name = facts.name;
  if (facts.vcpus !== undefined) vm.vcpus = facts.vcpus;
  if (facts.memoryMiB !== undefined) vm.memoryMiB = facts.memoryMiB;
  if (facts.firmware !== undefined) vm.firmware = facts.firmware;
  if (facts.secureBoot !== undefined) vm.secureBoot = facts.secureBoot;
  return vm;
}

function withFiles(disks: OvfDisk[]): (OvfDisk & { href: string })[] {
  return disks.filter((disk): disk is OvfDisk & { href: string } => disk.href !== undefined);
}

function refuseCompressed(disk: OvfDisk, file: string): void {
  if (disk.compression === undefined) return;
  throw new InputError(file, `disk file "${disk.href ?? disk.diskId}" is ${disk.compression}-compressed, which cannot be read in place`);
}

function stripDotSlash(name: string): string {
  return name.replace(/^(\.\/)+/, '');
}

async function readMember(archive: string, member: TarMember): Promise<Buffer> {
  const handle = await open(archive, 'r');
  try {
    const buffer = Buffer.alloc(member.size);
    await handle.read(buffer, 0, member.size, member.offset);
    return buffer;
  } finally {
    await handle.close();
  }
}

async function readDescriptor(absolute: string, shown: string): Promise<string> {
  const size = await requireFile(absolute, shown, 'file');
  if (size === 0) throw new InputError(shown, 'empty file (0 bytes)');
  if (size > MAX_DESCRIPTOR_BYTES) throw new InputError(shown, `too large for a descriptor (${size} bytes)`);
  return readFile(absolute, 'utf8');
}

/** Size of a file that must exist; otherwise an InputError against `shown`. */
async function requireFile(absolute: string, shown: string, what: string): Promise<number> {
  try {
    const stats = await stat(absolute);
    if (!stats.isFile()) throw new InputError(shown, `${what} is not a regular file`);
    return stats.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(shown, what === 'file' ? 'no such file' : `${what} is missing`, { cause: error });
  }
}

function rethrowUnreadable(error: unknown, shown: string): never {
  if (error instanceof InputError) throw error;
  const code = (error as NodeJS.ErrnoException).code;
  throw new InputError(shown, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(error)})`, { cause: error });
}
