/**
 * The virtio-win source: a directory (`/usr/share/virtio-win` style, or an
 * extracted ISO) used in place, or an ISO read without mounting it (listed
 * with `isoinfo -J -f`, files extracted with `isoinfo -J -x` into a
 * temporary folder). Shared by the plugins that take files from it (drivers,
 * the guest agent), since a plugin never imports another plugin.
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

export const DEFAULT_VIRTIO_WIN = '/usr/share/virtio-win/virtio-win.iso';

/** The first source path given (a plugin's option, then the run's setting), else the packaged ISO. */
export function virtioWinPath(...choices: (string | undefined)[]): string {
  return choices.find((choice) => choice !== undefined && choice !== '') ?? DEFAULT_VIRTIO_WIN;
}

/**
 * Parses `isoinfo -f` output into relative paths (`viostor/w7/amd64/viostor.inf`):
 * one absolute path per line; ISO9660 version suffixes (`;1`) and the `.`
 * of extension-less level-1 names are dropped.
 */
export function parseIsoListing(text: string): string[] {
  const paths = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith('/')) continue;
    const parts = line
      .split('/')
      .filter((part) => part !== '')
      .map((part) => part.replace(/;\d+$/, ''));
    // A name that could climb out of the extraction folder is not a driver file.
    if (parts.some((part) => part === '.' || part === '..')) continue;
    const path = parts.map((part) => part.replace(/\.$/, '')).join('/');
    if (path) paths.add(path);
  }
  return [...paths].sort();
}

/** `a/b/c` with no empty, `.` or `..` segment: stays inside whatever folder it is joined to. */
function isPlainRelative(path: string): boolean {
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

export interface VirtioWinSource {
  /** Where it came from (the ISO or the directory). */
  readonly path: string;
  readonly kind: 'iso' | 'directory';
  /** Every entry, relative, `/`-separated (directories included for an ISO). */
  list(): Promise<string[]>;
  /** Host paths of the given entries (extracted first for an ISO). */
  fetch(paths: string[]): Promise<Map<string, string>>;
  /** Removes extracted files, if any. */
  dispose(): Promise<void>;
}

async function walk(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(relative, ...(await walk(root, relative)));
    else out.push(relative);
  }
  return out;
}

class DirectorySource implements VirtioWinSource {
  readonly kind = 'directory' as const;
  constructor(readonly path: string) {}
  async list(): Promise<string[]> {
    return (await walk(this.path)).sort();
  }
  async fetch(paths: string[]): Promise<Map<string, string>> {
    const refused = paths.find((path) => !isPlainRelative(path));
    if (refused !== undefined) throw new Error(`${this.path}: refusing to read ${JSON.stringify(refused)} (not a plain relative path)`);
    return new Map(paths.map((path) => [path, join(this.path, ...path.split('/'))]));
  }
  async dispose(): Promise<void> {}
}

class IsoSource implements VirtioWinSource {
  readonly kind = 'iso' as const;
  #extracted: string | undefined;
  constructor(readonly path: string) {}
  async list(): Promise<string[]> {
    const { stdout } = await execa('isoinfo', ['-J', '-f', '-i', this.path]);
    return parseIsoListing(stdout);
  }
  async fetch(paths: string[]): Promise<Map<string, string>> {
    this.#extracted ??= await mkdtemp(join(tmpdir(), 'hyper2kvm-virtio-win-'));
    const result = new Map<string, string>();
    for (const path of paths) {
      if (!isPlainRelative(path)) throw new Error(`${this.path}: refusing to extract ${JSON.stringify(path)} (not a plain relative path)`);
      const target = join(this.#extracted, ...path.split('/'));
      const { stdout } = await execa('isoinfo', ['-J', '-x', `/${path}`, '-i', this.path], { encoding: 'buffer', stripFinalNewline: false });
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, stdout);
      result.set(path, target);
    }
    return result;
  }
  async dispose(): Promise<void> {
    if (this.#extracted) await rm(this.#extracted, { recursive: true, force: true });
    this.#extracted = undefined;
  }
}

/** Opens the source; `null` when the path does not exist. */
export async function openVirtioWin(path: string): Promise<VirtioWinSource | null> {
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  return info.isDirectory() ? new DirectorySource(path) : new IsoSource(path);
}
