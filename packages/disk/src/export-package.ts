/**
 * An export package: the files of one exported VM (OVF, manifest,
 * certificate, disks), wherever they are: a folder, members of a plain tar
 * or zip read in place, or files unpacked from a compressed archive into
 * the scratch folder. Names are `/`-separated and relative to the package.
 */
import type { ArchiveMember, DigestAlgorithm } from '@hyper2kvm/core';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { resolveInside } from './safe-path.js';
import type { TarMember } from './tar-index.js';
import type { ZipMember } from './zip-index.js';

/** One file of a package. */
export interface PackageFile {
  /** Name inside the package. */
  name: string;
  /** Size of the file's content in bytes (uncompressed, for a deflated zip member). */
  size: number;
  /** Streams the content (what a manifest digests). */
  read(): Readable;
  /**
   * How qemu reads the file without copying it: a file, or a window of the
   * archive holding it. Absent when the content must be unpacked first (a
   * deflated zip member).
   */
  inPlace?: { path: string; member?: ArchiveMember };
  /** Digests already computed (while the file was unpacked). */
  digests: Partial<Record<DigestAlgorithm, string>>;
}

/** How the package was stored. */
export type PackageContainer = 'folder' | 'tar' | 'zip' | `tar.${'gzip' | 'xz' | 'bzip2' | 'zstd'}`;

export interface ExportPackage {
  /** What the user named: the OVA, the folder, or the OVF's folder. */
  origin: string;
  container: PackageContainer;
  /** The file called `name`, if the package holds one. */
  file(name: string): Promise<PackageFile | undefined>;
  /** Files directly inside `folder` (`''` for the top). */
  list(folder: string): Promise<PackageFile[]>;
  /** Every file (for a folder on the host: its top and direct subfolders). */
  all(): Promise<PackageFile[]>;
}

/** Normalises a name relative to a package folder; `undefined` when it would leave the package. */
export function packageName(folder: string, name: string): string | undefined {
  if (name === '' || name.includes('\0') || name.startsWith('/') || /^[A-Za-z]:/.test(name)) return undefined;
  const joined = posix.normalize(posix.join(folder, name.replace(/\\/g, '/')));
  if (joined === '..' || joined.startsWith('../') || joined === '.') return undefined;
  return joined.replace(/^(\.\/)+/, '');
}

function rangeReader(path: string, offset: number, size: number): () => Readable {
  return () =>
    size === 0 ? createReadStream(path, { start: 1, end: 0 }) : createReadStream(path, { start: offset, end: offset + size - 1, highWaterMark: 1024 * 1024 });
}

/** A package of files held in memory by name (an archive's index). */
class IndexedPackage implements ExportPackage {
  readonly #files: Map<string, PackageFile>;

  constructor(
    readonly origin: string,
    readonly container: PackageContainer,
    files: PackageFile[],
  ) {
    this.#files = new Map(files.map((file) => [file.name.replace(/^(\.\/)+/, ''), file]));
  }

  async file(name: string): Promise<PackageFile | undefined> {
    return this.#files.get(name);
  }

  async list(folder: string): Promise<PackageFile[]> {
    return [...this.#files.values()].filter((file) => posix.dirname(file.name.replace(/^(\.\/)+/, '')) === (folder === '' ? '.' : folder));
  }

  async all(): Promise<PackageFile[]> {
    return [...this.#files.values()];
  }
}

/** The members of a plain tar, each read in place. */
export function tarPackage(archive: string, members: TarMember[]): ExportPackage {
  return new IndexedPackage(
    archive,
    'tar',
    members.map((member) => ({
      name: member.name,
      size: member.size,
      read: rangeReader(archive, member.offset, member.size),
      inPlace: { path: archive, member },
      digests: {},
    })),
  );
}

/** The members of a zip: stored ones read in place, deflated ones inflated while streaming. */
export function zipPackage(archive: string, members: ZipMember[]): ExportPackage {
  return new IndexedPackage(
    archive,
    'zip',
    members.map((member): PackageFile => {
      const raw = rangeReader(archive, member.offset, member.compressedSize);
      if (member.method === 'stored')
        return {
          name: member.name,
          size: member.size,
          read: raw,
          inPlace: { path: archive, member: { name: member.name, offset: member.offset, size: member.size } },
          digests: {},
        };
      return { name: member.name, size: member.size, read: () => raw().pipe(createInflateRaw()), digests: {} };
    }),
  );
}

/** Files unpacked into `root` (from a compressed archive), with the digests computed on the way. */
export function unpackedPackage(
  origin: string,
  container: PackageContainer,
  root: string,
  files: { name: string; size: number; digests: PackageFile['digests'] }[],
): ExportPackage {
  return new IndexedPackage(
    origin,
    container,
    files.map((file) => {
      const path = resolveInside(root, file.name)!;
      return { name: file.name, size: file.size, read: rangeReader(path, 0, file.size), inPlace: { path }, digests: file.digests };
    }),
  );
}

/** The files of a folder on the host (an unpacked OVA, an OVF beside its disks). */
export function folderPackage(root: string): ExportPackage {
  const fileAt = async (name: string): Promise<PackageFile | undefined> => {
    const path = resolveInside(root, name);
    if (path === undefined) return undefined;
    try {
      const stats = await stat(path);
      if (!stats.isFile()) return undefined;
      return { name, size: stats.size, read: rangeReader(path, 0, stats.size), inPlace: { path }, digests: {} };
    } catch {
      return undefined;
    }
  };
  const list = async (folder: string): Promise<PackageFile[]> => {
    const path = folder === '' ? root : resolveInside(root, folder);
    if (path === undefined) return [];
    const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
    const files = await Promise.all(entries.filter((entry) => entry.isFile()).map((entry) => fileAt(folder === '' ? entry.name : `${folder}/${entry.name}`)));
    return files.filter((file): file is PackageFile => file !== undefined);
  };
  return {
    origin: root,
    container: 'folder',
    file: fileAt,
    list,
    async all() {
      const top = await list('');
      const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
      const nested = await Promise.all(entries.filter((entry) => entry.isDirectory()).map((entry) => list(entry.name)));
      return [...top, ...nested.flat()];
    },
  };
}
