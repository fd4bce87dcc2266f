/**
 * Opens the source of one VM, read-only, whatever form the export took: an
 * OVA (plain tar or zip read in place; gzip/xz/bzip2/zstd tar unpacked into
 * the scratch folder), an OVF or VMX beside its disks, a folder holding an
 * unpacked OVA or a VMware VM, or the disk files of one VM. What a file is
 * comes from its content, never its name. Bad input raises an
 * {@link InputError} naming the file.
 */
import { InputError, UsageError, type ProgressEvent } from '@hyper2kvm/core';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { decompressedHead, type Compression } from './compression.js';
import { folderPackage, tarPackage, zipPackage } from './export-package.js';
import { NO_PACKAGE, Scratch, diskFrom, type OpenContext, type Opened, type OpenedSource } from './open-context.js';
import { openDisks, openVmx } from './open-disks.js';
import { firstOvfMember, memoryPackage, openOvf, openPackage } from './open-ovf.js';
import { probeImage } from './probe.js';
import { classifyHead, sniffSourceFile } from './source-kind.js';
import { readTarIndex } from './tar-index.js';
import { decompressToFile, unpackCompressedTar } from './unpack.js';
import { readZipIndex } from './zip-index.js';

export type { OpenedSource, SourceContainer } from './open-context.js';

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

/**
 * Opens one VM's source. Disks stay where they are whenever qemu can read
 * them there (tar and stored zip members as byte windows); everything else
 * is copied into the scratch folder, after a check that it has room.
 */
export async function openSource(paths: string[], options: OpenSourceOptions = {}): Promise<OpenedSource> {
  if (paths.length === 0) throw new UsageError('no source given: pass an OVA, an OVF, a VMX, a folder holding one, or disk files');
  const scratch = new Scratch(options.scratchDir);
  const context: OpenContext = {
    scratch,
    verifyChecksums: options.verifyChecksums ?? true,
    progress: options.onProgress ? { onProgress: options.onProgress } : {},
    describeOnly: options.describeOnly ?? false,
  };
  try {
    const opened = await openAny(paths, context);
    return { ...opened, dispose: () => scratch.dispose() };
  } catch (error) {
    await scratch.dispose();
    throw error;
  }
}

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
    throw new InputError(
      path,
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file or directory'
        : `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { cause: error },
    );
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
    return {
      ...opened,
      integrity: { ...NO_PACKAGE, summary: { verification: 'not-checked', checks: [] } },
      findings: opened.findings.filter((finding) => finding.rule !== 'no-manifest'),
    };
  }
  if (inner.kind === 'tar') {
    const folder = await context.scratch.folder(basename(path));
    const pkg = await unpackCompressedTar(path, compression, folder, { ...context.progress, shown });
    return openPackage(pkg, shown, context);
  }
  if (inner.kind !== 'image')
    throw new InputError(
      shown,
      `is a ${compression}-compressed ${inner.kind === 'compressed' ? 'compressed file' : inner.kind}; only compressed tar archives (OVAs) and disk images are understood`,
    );
  if (context.describeOnly) {
    return {
      vm: { name: basename(path, extname(path)), disks: [{ path, format: 'unknown', virtualSize: 0 }], nics: [], origin: 'disks' },
      container: 'disks',
      integrity: NO_PACKAGE,
      findings: [],
    };
  }
  const folder = await context.scratch.folder(basename(path));
  const target = join(folder, basename(path, extname(path)) || 'disk');
  await decompressToFile({ input, compressedSize: (await stat(path)).size, path }, compression, target, { ...context.progress, shown });
  const probe = await probeImage(target);
  const disk = diskFrom(target, probe);
  return { vm: { name: basename(target, extname(target)), disks: [disk], nics: [], origin: 'disks' }, container: 'disks', integrity: NO_PACKAGE, findings: [] };
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
  throw new InputError(
    shown,
    "is a folder without an .ovf or .vmx file; to migrate a folder holding a guest's root file system, name it with dir: (it is then repaired in place)",
    { code: 'NO_DESCRIPTOR' },
  );
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
