/**
 * The directory adapter: a guest root tree on the host (unit tests, guests
 * already mounted). Symlinks are followed as the guest would (absolute
 * targets are relative to the guest root), so no path leaves the root.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { execa } from 'execa';
import {
  GuestFsError,
  describeError,
  globToRegExp,
  isSystemError,
  systemErrorWords,
  normalizeGuestPath,
  type GuestCommandResult,
  type GuestFilesystem,
  type GuestFs,
  type GuestStat,
} from '@hyper2kvm/core';
import { listInitramfsImage } from '../initramfs/list-initramfs.js';

const MAX_SYMLINK_HOPS = 40;

export interface DirectoryGuestOptions {
  /** File systems to report from `filesystems()` (a tree has no block devices of its own). */
  filesystems?: GuestFilesystem[];
  /** Allow `command()` through `chroot` (needs root and a guest with its own binaries). */
  allowChroot?: boolean;
}

export class DirectoryGuest implements GuestFs {
  readonly kind = 'directory';
  readonly root: string;
  readonly #options: DirectoryGuestOptions;

  constructor(root: string, options: DirectoryGuestOptions = {}) {
    this.root = root;
    this.#options = options;
  }

  /**
   * Host path of a guest path. Intermediate symlinks are resolved inside the
   * guest; the last component is followed only when `followLast` is set.
   */
  async hostPath(guestPath: string, followLast = false): Promise<string> {
    return join(this.root, await this.#resolve(normalizeGuestPath(guestPath), followLast));
  }

  async #resolve(path: string, followLast: boolean): Promise<string> {
    let pending = path.split('/').filter(Boolean);
    let resolved = '/';
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '.') continue;
      if (part === '..') {
        resolved = posix.dirname(resolved);
        continue;
      }
      const candidate = posix.join(resolved, part);
      const isLast = pending.length === 0;
      if (isLast && !followLast) return candidate;
      let info;
      try {
        info = await lstat(join(this.root, candidate));
      } catch {
        return posix.join(candidate, ...pending);
      }
      if (!info.isSymbolicLink()) {
        resolved = candidate;
        continue;
      }
      if (++hops > MAX_SYMLINK_HOPS) throw new GuestFsError(`${path}: too many levels of symbolic links`, { code: 'GUEST_PATH_INVALID' });
      const target = await readlink(join(this.root, candidate));
      pending = [...target.split('/').filter(Boolean), ...pending];
      if (target.startsWith('/')) resolved = '/';
    }
    return resolved;
  }

  async #wrap<T>(operation: string, path: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof GuestFsError) throw error;
      // The same code as a failed libguestfs call; the errno stays on the cause.
      const reason = isSystemError(error) ? systemErrorWords(error) : describeError(error);
      throw new GuestFsError(`${operation} ${path}: ${reason}`, { cause: error, code: 'GUESTFS_CALL_FAILED' });
    }
  }

  readFile(path: string): Promise<Buffer> {
    return this.#wrap('read', path, async () => readFile(await this.hostPath(path, true)));
  }

  /** Names of the files in an initramfs image (see {@link listInitramfsImage}). */
  async listInitramfs(path: string): Promise<string[]> {
    return listInitramfsImage(await this.readFile(path), path);
  }

  writeFile(path: string, data: Buffer | string, options: { mode?: number } = {}): Promise<void> {
    return this.#wrap('write', path, async () => {
      const target = await this.hostPath(path, true);
      await writeFile(target, data, options.mode === undefined ? {} : { mode: options.mode });
      if (options.mode !== undefined) await chmod(target, options.mode);
    });
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== null;
  }

  async stat(path: string): Promise<GuestStat | null> {
    try {
      const info = await lstat(await this.hostPath(path));
      const type = info.isFile() ? 'file' : info.isDirectory() ? 'directory' : info.isSymbolicLink() ? 'symlink' : 'other';
      return { type, size: info.size, mode: info.mode & 0o7777 };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw error;
    }
  }

  readdir(path: string): Promise<string[]> {
    return this.#wrap('list', path, async () => (await readdir(await this.hostPath(path, true))).sort());
  }

  readlink(path: string): Promise<string> {
    return this.#wrap('readlink', path, async () => readlink(await this.hostPath(path)));
  }

  async glob(pattern: string): Promise<string[]> {
    const parts = normalizeGuestPath(pattern).split('/').filter(Boolean);
    let current = ['/'];
    for (const part of parts) {
      const next: string[] = [];
      const wild = /[*?[]/.test(part);
      const matcher = wild ? globToRegExp(part) : null;
      for (const dir of current) {
        if (!matcher) {
          const candidate = posix.join(dir, part);
          if (await this.exists(candidate)) next.push(candidate);
          continue;
        }
        let names: string[];
        try {
          names = await this.readdir(dir);
        } catch {
          continue;
        }
        for (const name of names) if (matcher.test(name) && (!name.startsWith('.') || part.startsWith('.'))) next.push(posix.join(dir, name));
      }
      current = next;
    }
    return current.filter((path) => path !== '/').sort();
  }

  mkdirp(path: string): Promise<void> {
    return this.#wrap('mkdir', path, async () => {
      await mkdir(await this.hostPath(path, true), { recursive: true });
    });
  }

  remove(path: string): Promise<void> {
    return this.#wrap('remove', path, async () => rm(await this.hostPath(path), { recursive: true, force: true }));
  }

  rename(from: string, to: string): Promise<void> {
    return this.#wrap('rename', from, async () => rename(await this.hostPath(from), await this.hostPath(to)));
  }

  chmod(path: string, mode: number): Promise<void> {
    return this.#wrap('chmod', path, async () => chmod(await this.hostPath(path, true), mode));
  }

  symlink(target: string, path: string): Promise<void> {
    return this.#wrap('symlink', path, async () => {
      const link = await this.hostPath(path);
      await rm(link, { force: true });
      await symlink(target, link);
    });
  }

  upload(hostPath: string, guestPath: string): Promise<void> {
    return this.#wrap('upload', guestPath, async () => copyFile(hostPath, await this.hostPath(guestPath, true)));
  }

  download(guestPath: string, hostPath: string): Promise<void> {
    return this.#wrap('download', guestPath, async () => copyFile(await this.hostPath(guestPath, true), hostPath, constants.COPYFILE_FICLONE));
  }

  async command(argv: string[]): Promise<GuestCommandResult> {
    if (!this.#options.allowChroot) {
      throw new GuestFsError(`cannot run ${argv[0] ?? 'a command'} inside a directory guest (no appliance; enable allowChroot to use chroot)`, {
        code: 'GUEST_COMMAND_UNSUPPORTED',
      });
    }
    const result = await execa('chroot', [this.root, ...argv], { reject: false });
    if (result.exitCode !== 0)
      throw new GuestFsError(`command ${argv.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.split('\n').slice(-1)[0] ?? ''}`);
    return { stdout: result.stdout };
  }

  async filesystems(): Promise<GuestFilesystem[]> {
    return this.#options.filesystems ?? [];
  }

  async resolveCaseInsensitive(path: string): Promise<string | null> {
    let current = '/';
    for (const part of normalizeGuestPath(path).split('/').filter(Boolean)) {
      const exact = posix.join(current, part);
      if (await this.exists(exact)) {
        current = exact;
        continue;
      }
      let names: string[];
      try {
        names = await this.readdir(current);
      } catch {
        return null;
      }
      const match = names.find((name) => name.toLowerCase() === part.toLowerCase());
      if (match === undefined) return null;
      current = posix.join(current, match);
    }
    return current;
  }
}
