// The image cache: <cacheDir>/<name>-<hash>/ with an image.json written last.
// Builds happen in a temporary folder beside it and are renamed into place;
// a lock file keeps two processes from building the same image twice, and a
// lost rename race is harmless (the winner's folder is identical in meaning).
import { createHash } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { hostname } from 'node:os';

export const MANIFEST = 'image.json';
const STALE_LOCK_MS = 60 * 60 * 1000;

/**
 * sha256 over the given files (path relative to `base` + content), sorted.
 * @param {string[]} paths
 * @param {string} base
 */
export async function hashFiles(paths, base) {
  const hash = createHash('sha256');
  for (const path of [...new Set(paths)].sort()) {
    hash.update(`${relative(base, path)}\0`);
    hash.update(await readFile(path));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Mount points at or under `path` (e.g. a chroot's /proc left by a killed build). */
async function mountsUnder(path) {
  let text = '';
  let real = path;
  try {
    text = await readFile('/proc/self/mountinfo', 'utf8');
    real = await realpath(path);
  } catch {
    return [];
  }
  const unescape = (m) => m.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter(Boolean)
    .map(unescape)
    .filter((m) => m === real || m.startsWith(`${real}/`));
}

/**
 * rm -rf that refuses to descend into mounted file systems: a builder that
 * died inside a chroot may have left /proc, /sys or a bind-mounted /dev there.
 */
export async function removeTree(path) {
  const mounts = await mountsUnder(path);
  if (mounts.length) throw new Error(`not deleting ${path}: ${mounts.join(', ')} still mounted inside (umount them first)`);
  await rm(path, { recursive: true, force: true });
}

/** A cache entry is complete when its manifest exists (written just before the rename). */
export async function readManifest(dir) {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST), 'utf8'));
  } catch {
    return undefined;
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {any} */ (err).code === 'EPERM';
  }
}

/** Whether a lock file was left by a process that is gone (or is very old). */
async function lockIsStale(lockPath) {
  try {
    const [info, text] = await Promise.all([stat(lockPath), readFile(lockPath, 'utf8')]);
    const owner = JSON.parse(text || '{}');
    if (Date.now() - info.mtimeMs > STALE_LOCK_MS) return true;
    return owner.host === hostname() && typeof owner.pid === 'number' && !processAlive(owner.pid);
  } catch {
    return false; // vanished or half-written: not stale, look again
  }
}

/**
 * Take `lockPath` (O_EXCL create), waiting while another live process holds
 * it. `done()` is polled while waiting: when it returns a value (the other
 * process finished the build), that value is returned without locking.
 * @template T
 * @param {string} lockPath
 * @param {() => Promise<T | undefined>} done
 * @param {(msg: string) => void} [onWait]
 * @returns {Promise<{ release: () => Promise<void> } | { result: T }>}
 */
export async function lockOrWait(lockPath, done, onWait) {
  let told = false;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      await fh.close();
      return { release: () => rm(lockPath, { force: true }) };
    } catch (err) {
      if (/** @type {any} */ (err).code !== 'EEXIST') throw err;
    }
    const result = await done();
    if (result !== undefined) return { result };
    if (await lockIsStale(lockPath)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (!told && onWait) onWait(`waiting for another build (${basename(lockPath)})`);
    told = true;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A fresh build folder in the cache (same file system, so rename is atomic). */
export function makeBuildDir(cacheDir, name) {
  return mkdtemp(join(cacheDir, `.tmp-${name}-${process.pid}-`));
}

/**
 * Rename the finished build into place. If another process got there first
 * (ENOTEMPTY/EEXIST) and its entry is complete, ours is dropped.
 */
export async function publish(buildDir, finalDir) {
  try {
    await rename(buildDir, finalDir);
  } catch (err) {
    const code = /** @type {any} */ (err).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await readManifest(finalDir))) {
      await removeTree(buildDir);
      return;
    }
    throw err;
  }
}

/** Entries from an older recipe are kept this long (a running test may still use one). */
const KEEP_OUTDATED_MS = 60 * 60 * 1000;

async function olderThan(path, ms) {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return false;
  }
}

/**
 * Remove leftovers: build folders of dead processes, and entries of this
 * image built from an older recipe (other hash), not locked, untouched for an hour.
 */
export async function pruneCache(cacheDir, name, keep) {
  let entries;
  try {
    entries = await readdir(cacheDir);
  } catch {
    return;
  }
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const tmp = new RegExp(`^\\.tmp-${escaped}-(\\d+)-`);
  const old = new RegExp(`^${escaped}-[0-9a-f]{16}$`);
  for (const entry of entries) {
    const pid = tmp.exec(entry)?.[1];
    const deadBuild = pid !== undefined && !processAlive(Number(pid));
    const outdated = old.test(entry) && entry !== keep && !entries.includes(`${entry}.lock`) && (await olderThan(join(cacheDir, entry), KEEP_OUTDATED_MS));
    if (deadBuild || outdated) await removeTree(join(cacheDir, entry)).catch(() => {}); // left for a human if mounts remain
  }
}
