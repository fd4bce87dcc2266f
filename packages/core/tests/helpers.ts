import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { GuestFilesystem, GuestFs, GuestStat } from '../src/index.js';
import { definePlugin, globToRegExp, type PluginDefinition } from '../src/index.js';

/** A throwaway folder holding the given files. */
export async function tempTree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'h2k-core-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

/**
 * A small in-memory GuestFs. Core cannot depend on @hyper2kvm/guestfs (which
 * depends on core), so engine tests use this honest implementation of the
 * port rather than a mock of any tool.
 */
export class MemoryGuest implements GuestFs {
  readonly kind = 'memory';
  readonly files = new Map<string, Buffer>();
  readonly dirs = new Set<string>(['/']);
  readonly commands: string[][] = [];

  constructor(files: Record<string, string> = {}) {
    for (const [path, content] of Object.entries(files)) void this.writeFile(path, content);
  }

  #addParents(path: string): void {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) this.dirs.add('/' + parts.slice(0, i).join('/'));
  }

  async readFile(path: string): Promise<Buffer> {
    const content = this.files.get(path);
    if (!content) throw new Error(`read ${path}: no such file or directory`);
    return Buffer.from(content);
  }
  async writeFile(path: string, data: Buffer | string): Promise<void> {
    this.#addParents(path);
    this.files.set(path, Buffer.from(data));
  }
  async exists(path: string): Promise<boolean> {
    return this.files.has(path) || this.dirs.has(path);
  }
  async stat(path: string): Promise<GuestStat | null> {
    if (this.files.has(path)) return { type: 'file', size: this.files.get(path)!.length, mode: 0o644 };
    if (this.dirs.has(path)) return { type: 'directory', size: 0, mode: 0o755 };
    return null;
  }
  async readdir(path: string): Promise<string[]> {
    const prefix = path === '/' ? '/' : path + '/';
    const names = new Set<string>();
    for (const entry of [...this.files.keys(), ...this.dirs]) {
      if (entry.startsWith(prefix) && entry !== path) names.add(entry.slice(prefix.length).split('/')[0]!);
    }
    return [...names].sort();
  }
  async readlink(path: string): Promise<string> {
    throw new Error(`${path}: not a symlink`);
  }
  async glob(pattern: string): Promise<string[]> {
    const matcher = globToRegExp(pattern);
    return [...this.files.keys(), ...this.dirs].filter((path) => matcher.test(path)).sort();
  }
  async mkdirp(path: string): Promise<void> {
    this.#addParents(path + '/x');
  }
  async remove(path: string): Promise<void> {
    this.files.delete(path);
    this.dirs.delete(path);
  }
  async rename(from: string, to: string): Promise<void> {
    const content = await this.readFile(from);
    this.files.delete(from);
    await this.writeFile(to, content);
  }
  async chmod(): Promise<void> {}
  async symlink(): Promise<void> {}
  async upload(): Promise<void> {}
  async download(): Promise<void> {}
  async command(argv: string[]): Promise<{ stdout: string }> {
    this.commands.push(argv);
    return { stdout: '' };
  }
  async filesystems(): Promise<GuestFilesystem[]> {
    return [];
  }
  async resolveCaseInsensitive(path: string): Promise<string | null> {
    return [...this.files.keys()].find((candidate) => candidate.toLowerCase() === path.toLowerCase()) ?? null;
  }
}

/** A plugin for tests; `apply` defaults to doing nothing. */
export function testPlugin(overrides: Partial<PluginDefinition> & { name: string }): PluginDefinition {
  return definePlugin({ version: '1.0.0', api: 1, apply: () => undefined, ...overrides });
}
