#!/usr/bin/env node
// Test image builder: library + CLI.
//
//   node test-images/build.mjs <name...> | --all  [--out DIR] [--force] [--list]
//
//   import { ensureImage } from '../../test-images/build.mjs';
//   const { dir, files } = await ensureImage('ubuntu-2204');   // files.vmdk, files.ova ...
//
// An image is built only when <cacheDir>/<name>-<hash>/ is missing, where the
// hash covers the recipe and all builder code. See README.md.
import { access, chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hashFiles, lockOrWait, makeBuildDir, MANIFEST, pruneCache, publish, readManifest, removeTree } from './lib/cache.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
/**
 * Outside the clone, so a fresh clone on the same machine (CI) reuses what an
 * earlier one built: $HYPER2KVM_TEST_IMAGES, else $XDG_CACHE_HOME/hyper2kvm/test-images,
 * else ~/.cache/hyper2kvm/test-images. Entries are keyed by recipe hash.
 */
export const DEFAULT_CACHE_DIR =
  process.env.HYPER2KVM_TEST_IMAGES || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'hyper2kvm', 'test-images');

/** Builders by recipe kind, and the code folders whose content is part of the hash. */
const KINDS = {
  linux: { module: './lib/linux.mjs', code: ['lib', 'recipes/_shared'] },
  // Only the modules it runs: a real Debian takes minutes to build, so edits
  // elsewhere in lib/ must not make it stale.
  debootstrap: {
    module: './lib/debootstrap.mjs',
    code: ['lib/debootstrap.mjs', 'lib/layout.mjs', 'lib/luks.mjs', 'lib/disk.mjs', 'lib/export.mjs', 'lib/ovf.mjs', 'lib/run.mjs', 'lib/tree.mjs', 'lib/content.mjs', 'recipes/_bootable'],
  },
  // A debootstrap guest booted once on its "old cloud" (cloud-init ran for real).
  'debootstrap-cloud': {
    module: './lib/cloud-guest.mjs',
    code: ['lib/cloud-guest.mjs', 'lib/debootstrap.mjs', 'lib/layout.mjs', 'lib/luks.mjs', 'lib/disk.mjs', 'lib/export.mjs', 'lib/ovf.mjs', 'lib/run.mjs', 'lib/tree.mjs', 'lib/content.mjs', 'recipes/_bootable'],
  },
  // A real Debian installed for UEFI on btrfs with dracut (its own folder, as linux-btrfs).
  'debootstrap-uefi-btrfs': {
    module: './uefi-btrfs/build.mjs',
    code: ['uefi-btrfs', 'btrfs', 'lib/disk.mjs', 'lib/export.mjs', 'lib/ovf.mjs', 'lib/layout.mjs', 'lib/luks.mjs', 'lib/run.mjs', 'lib/tree.mjs', 'lib/content.mjs', 'recipes/_bootable'],
  },
  // A phony Linux guest on btrfs subvolumes (its own folder: lib/ edits would rebuild every image).
  'linux-btrfs': { module: './btrfs/build.mjs', code: ['lib', 'recipes/_shared', 'btrfs'] },
  'virtio-win': { module: './virtio-win/build.mjs', code: ['lib', 'virtio-win'] },
  windows: { module: './lib/windows.mjs', code: ['lib', 'recipes/_shared'] },
  // Repacks images built by other recipes (imported by the recipe, so in its hash).
  'export-forms': { module: './export-forms/build.mjs', code: ['lib', 'export-forms'] },
};

/**
 * Code that only decides when and where to build, never what an image
 * contains: left out of the hash, so editing it does not rebuild every image
 * (the bootable Debian takes minutes).
 */
const ORCHESTRATION = new Set([join(HERE, 'build.mjs'), join(HERE, 'lib', 'cache.mjs')]);

async function exists(path) {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** All .mjs files under a folder, recursively. */
async function codeFiles(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await codeFiles(path)));
    else if (entry.name.endsWith('.mjs')) out.push(path);
  }
  return out;
}

/** The recipe file of an image: recipes/<name>.mjs, or <name>/recipe.mjs. */
async function recipePath(name) {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new Error(`bad image name: ${name}`);
  for (const candidate of [join(HERE, 'recipes', `${name}.mjs`), join(HERE, name, 'recipe.mjs')]) {
    if (await exists(candidate)) return candidate;
  }
  throw new Error(`no recipe for image "${name}" (known: ${(await listImages()).join(', ')})`);
}

/** Names of every image with a recipe. */
export async function listImages() {
  const recipes = (await readdir(join(HERE, 'recipes'))).filter((f) => f.endsWith('.mjs') && !f.startsWith('_'));
  const others = [];
  for (const entry of await readdir(HERE, { withFileTypes: true })) {
    if (entry.isDirectory() && (await exists(join(HERE, entry.name, 'recipe.mjs')))) others.push(entry.name);
  }
  return [...recipes.map((f) => f.slice(0, -4)), ...others].sort();
}

/**
 * Recipe files a recipe imports from its own folder (a variant built on
 * another recipe, e.g. `import rhel9 from './rhel-9.mjs'`), recursively: they
 * are part of what the image contains, so part of its hash.
 * @param {string} path
 * @param {Set<string>} [seen]
 */
async function importedRecipes(path, seen = new Set([path])) {
  const text = await readFile(path, 'utf8');
  for (const [, spec] of text.matchAll(/\bfrom\s+['"](\.\/[^'"/]+\.mjs)['"]/g)) {
    const imported = join(dirname(path), spec);
    if (seen.has(imported)) continue;
    seen.add(imported);
    await importedRecipes(imported, seen);
  }
  return [...seen];
}

/**
 * Load a recipe and compute its hash.
 * @param {string} name
 */
export async function loadRecipe(name) {
  const path = await recipePath(name);
  const recipe = (await import(pathToFileURL(path).href)).default;
  if (recipe.name !== name) throw new Error(`${relative(HERE, path)}: name is "${recipe.name}", expected "${name}"`);
  const kind = KINDS[recipe.kind ?? 'linux'];
  if (!kind) throw new Error(`${name}: unknown kind ${recipe.kind}`);
  const code = await importedRecipes(path);
  for (const entry of kind.code) code.push(...(entry.endsWith('.mjs') ? [join(HERE, entry)] : await codeFiles(join(HERE, entry))));
  const hash = await hashFiles(code.filter((f) => !ORCHESTRATION.has(f)), HERE);
  return { recipe, kind, hash };
}

/** Absolute paths of a manifest's files. */
function resultOf(dir, manifest, recipe, cached) {
  const files = Object.fromEntries(Object.entries(manifest.files).map(([k, f]) => [k, join(dir, f)]));
  return { dir, files, recipe, hash: manifest.hash, cached, buildSeconds: manifest.buildSeconds };
}

/** Build one image into a fresh folder of the cache and rename it into place. */
async function buildInto(cacheDir, finalDir, { recipe, kind, hash }, log) {
  const started = process.hrtime.bigint();
  const buildDir = await makeBuildDir(cacheDir, recipe.name);
  try {
    const workDir = join(buildDir, '.work');
    await mkdir(workDir);
    const builder = await import(kind.module);
    const files = await builder.build(recipe, { outDir: buildDir, workDir, ensureImage: (name) => ensureImage(name, { cacheDir, log }) });
    await removeTree(workDir);
    const buildSeconds = Math.round(Number(process.hrtime.bigint() - started) / 1e7) / 100;
    const manifest = { name: recipe.name, kind: recipe.kind ?? 'linux', hash, files, buildSeconds, builtAt: new Date().toISOString(), expect: recipe.expect };
    await writeFile(join(buildDir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    await chmod(buildDir, 0o755); // mkdtemp makes it 0700
    await publish(buildDir, finalDir);
    return manifest;
  } catch (err) {
    if (process.env.TEST_IMAGES_KEEP_FAILED) /** @type {Error} */ (err).message += `\n(build folder kept: ${buildDir})`;
    else {
      await removeTree(buildDir).catch((e) => {
        /** @type {Error} */ (err).message += `\n(${e.message})`;
      });
    }
    throw err;
  }
}

/** In-process de-duplication: one build per cache entry even if asked twice at once. */
const inFlight = new Map();

/**
 * Make sure an image exists in the cache; build it if not.
 * @param {string} name image name (a recipe file name without .mjs, or 'virtio-win')
 * @param {{ cacheDir?: string, force?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<{ dir: string, files: { vmdk?: string, ova?: string, vhdx?: string, vmx?: string, iso?: string, tree?: string }, recipe: any, hash: string, cached: boolean, buildSeconds: number }>}
 */
export function ensureImage(name, { cacheDir = DEFAULT_CACHE_DIR, force = false, log = (l) => process.stderr.write(`${l}\n`) } = {}) {
  const key = `${resolve(cacheDir)}\0${name}`;
  if (!inFlight.has(key)) {
    const p = ensureImageOnce(name, { cacheDir: resolve(cacheDir), force, log }).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
  }
  return inFlight.get(key);
}

async function ensureImageOnce(name, { cacheDir, force, log }) {
  const loaded = await loadRecipe(name);
  const finalDir = join(cacheDir, `${name}-${loaded.hash.slice(0, 16)}`);
  const shown = relative(process.cwd(), finalDir) || finalDir;
  const cachedResult = async () => {
    const manifest = await readManifest(finalDir);
    return manifest && resultOf(finalDir, manifest, loaded.recipe, true);
  };
  if (force) await removeTree(finalDir);
  else {
    const hit = await cachedResult();
    if (hit) {
      log(`${name}: cached (built in ${hit.buildSeconds} s) ${shown} [${Object.keys(hit.files).join(', ')}]`);
      return hit;
    }
  }
  await mkdir(cacheDir, { recursive: true });
  const lock = await lockOrWait(`${finalDir}.lock`, cachedResult, (msg) => log(`${name}: ${msg}`));
  if ('result' in lock) {
    log(`${name}: built by another process (${lock.result.buildSeconds} s) ${shown}`);
    return lock.result;
  }
  try {
    const again = await cachedResult();
    if (again) {
      log(`${name}: built by another process (${again.buildSeconds} s) ${shown}`);
      return again;
    }
    await pruneCache(cacheDir, name, `${name}-${loaded.hash.slice(0, 16)}`);
    const manifest = await buildInto(cacheDir, finalDir, loaded, log);
    log(`${name}: built in ${manifest.buildSeconds} s ${shown} [${Object.keys(manifest.files).join(', ')}]`);
    return resultOf(finalDir, manifest, loaded.recipe, false);
  } finally {
    await lock.release();
  }
}

async function main(argv) {
  const names = [];
  let cacheDir = DEFAULT_CACHE_DIR;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') cacheDir = resolve(argv[++i] ?? '');
    else if (arg === '--force') force = true;
    else if (arg === '--all') names.push(...(await listImages()));
    else if (arg === '--list') return console.log((await listImages()).join('\n'));
    else if (arg === '-h' || arg === '--help') {
      return console.log('usage: node test-images/build.mjs <name...>|--all [--out DIR] [--force] [--list]');
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else names.push(arg);
  }
  if (names.length === 0) throw new Error('name an image or pass --all (see --list)');
  // One at a time: the build machines have 2 cores.
  for (const name of [...new Set(names)]) await ensureImage(name, { cacheDir, force, log: (l) => console.log(l) });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`test-images: ${err.message}`);
    process.exit(1);
  });
}

/**
 * The disks of a built image in bus order (`vmdk`, `vmdk2`, … or `vhdx`),
 * for tests that open the image as a VM's disks. Quiet unless it builds.
 */
export async function imageDisks(name) {
  const image = await ensureImage(name, { log: () => undefined });
  const disks = Object.entries(image.files)
    .filter(([key]) => /^(vmdk|vhdx|qcow2|raw)\d*$/.test(key))
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([, path]) => path);
  if (disks.length === 0) throw new Error(`test image ${name} has no disk file`);
  return disks;
}
