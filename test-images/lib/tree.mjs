// Turning a recipe's { dirs, symlinks, files } into a folder, and splitting
// that folder into one folder per file system (/, /boot, /boot/efi ...).
import { chmod, mkdir, realpath, rename, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { render } from './content.mjs';
import { run } from './run.mjs';

/** Refuse a write that would leave the tree (through a symlink or ".."). */
async function assertInside(root, path) {
  const realRoot = await realpath(root);
  const real = await realpath(path);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    throw new Error(`tree: ${relative(root, path)} resolves outside the tree (${real})`);
  }
}

/** mkdir -p inside the tree, following the tree's own directory symlinks. */
async function mkdirIn(root, guestPath) {
  const dir = join(root, guestPath);
  await mkdir(dir, { recursive: true });
  await assertInside(root, dir);
  return dir;
}

/** Every guest path that is a prefix of a path the recipe writes. */
function isUsedAsDirectory(linkPath, recipe) {
  const prefix = linkPath.replace(/\/$/, '') + '/';
  const paths = [...(recipe.dirs ?? []), ...Object.keys(recipe.files ?? {}), ...Object.keys(recipe.symlinks ?? {})];
  return paths.some((p) => p.startsWith(prefix));
}

/**
 * Create the guest's directory tree under `root`.
 * Symlinks come first so that writing /lib/modules/... on a merged-/usr guest
 * lands in /usr/lib/modules/... as it would on the real system.
 * @param {string} root
 * @param {{ dirs?: string[], symlinks?: Record<string,string>, files?: Record<string, any> }} recipe
 */
export async function materialize(root, recipe) {
  await mkdir(root, { recursive: true });
  const links = Object.entries(recipe.symlinks ?? {}).sort(([a], [b]) => a.split('/').length - b.split('/').length);
  for (const [linkPath, target] of links) {
    const parent = await mkdirIn(root, dirname(linkPath));
    if (!target.startsWith('/') && isUsedAsDirectory(linkPath, recipe)) {
      await mkdirIn(root, join(dirname(linkPath), target));
    }
    await symlink(target, join(parent, linkPath.split('/').pop()));
  }
  for (const dir of recipe.dirs ?? []) await mkdirIn(root, dir);
  for (const [guestPath, value] of Object.entries(recipe.files ?? {})) {
    const parent = await mkdirIn(root, dirname(guestPath));
    const file = join(parent, guestPath.split('/').pop());
    await writeFile(file, render(value));
    const mode = typeof value === 'object' && !Buffer.isBuffer(value) ? value.mode : undefined;
    await chmod(file, mode ?? 0o644);
  }
}

/**
 * Move each mount point's subtree (deepest first) out of the full tree into
 * its own folder, leaving an empty directory as the mount point.
 * @param {string} tree full guest tree (becomes the root file system's tree)
 * @param {string[]} mounts mount points other than '/'
 * @param {string} workDir where the per-file-system folders go
 * @returns {Promise<Map<string,string>>} mount point -> folder
 */
export async function splitByMountPoint(tree, mounts, workDir) {
  const result = new Map([['/', tree]]);
  const deepestFirst = [...mounts].filter((m) => m !== '/').sort((a, b) => b.split('/').length - a.split('/').length);
  for (const mount of deepestFirst) {
    const dest = join(workDir, `fs${mount.replaceAll('/', '-')}`);
    const src = join(tree, mount);
    try {
      await rename(src, dest);
    } catch (err) {
      if (/** @type {any} */ (err).code !== 'ENOENT') throw err;
      await mkdir(dest, { recursive: true });
    }
    await mkdir(src, { recursive: true });
    result.set(mount, dest);
  }
  return result;
}

/**
 * Pack a folder into a tar for guestfish tar-in: owned by root, or with the
 * owners the files have (`keepOwners`: a real system's tree, where /var/mail,
 * /var/log/journal and the like belong to their service users).
 */
export async function tarTree(dir, tarPath, { keepOwners = false } = {}) {
  const owners = keepOwners ? [] : ['--owner=0', '--group=0'];
  await run('tar', ['--numeric-owner', ...owners, '-C', dir, '-cf', tarPath, '.']);
  return tarPath;
}
