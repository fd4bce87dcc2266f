// The bench image: a 4 GiB raw disk (MBR, one ext4 partition holding a
// minimal Ubuntu tree and ~1 GiB of incompressible data, filled with
// `mke2fs -d` without root or an appliance), exported as a monolithicSparse
// VMDK. Cached under .cache/ubuntu-bench-<hash>/, where the hash covers this
// file, the tree's file and the parameters; built into a temporary folder and
// renamed into place, so an interrupted build never looks complete.
import { createHash } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixTimes, ROOT_UUID, writeDataFiles, writeTree } from './guest-tree.mjs';
import { run, secondsSince } from './util.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const IMAGE_PARAMS = { name: 'ubuntu-bench', diskGiB: 4, dataFiles: 16, dataFileMiB: 64, diskId: '0x7f3c2a1c', subformat: 'monolithicSparse' };
const MANIFEST = 'manifest.json';
const DEFAULT_PARAMS = IMAGE_PARAMS;
const FAKE_TIME = String(Date.parse('2024-01-01T00:00:00Z') / 1000);

const FAKE_STAMP = '20240101000000';

/** Every path in a folder as the guest sees it ('/', '/etc', '/etc/fstab', …). */
async function listTree(root, prefix = '') {
  const out = prefix === '' ? ['/'] : [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = `${prefix}/${entry.name}`;
    out.push(path);
    if (entry.isDirectory()) out.push(...(await listTree(root, path)));
  }
  return out;
}

/** qemu-img writes a random CID into the VMDK descriptor; a fixed one makes the file reproducible. */
async function pinVmdkCid(path) {
  const fh = await open(path, 'r+');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const at = head.subarray(0, bytesRead).indexOf('\nCID=');
    if (at === -1) throw new Error(`${path}: no CID in the VMDK descriptor`);
    await fh.write(Buffer.from('b3c4d5e6'), 0, 8, at + 5);
  } finally {
    await fh.close();
  }
}

/** A bigger variant for measurements that scale with the data (checksum verification of a multi-GiB OVA). */
export const LARGE_IMAGE_PARAMS = { ...IMAGE_PARAMS, name: 'ubuntu-bench-large', diskGiB: 8, dataFiles: 48 };

async function builderHash(IMAGE_PARAMS) {
  const hash = createHash('sha256');
  for (const file of ['image.mjs', 'guest-tree.mjs']) hash.update(file).update(await readFile(join(HERE, file)));
  hash.update(JSON.stringify(IMAGE_PARAMS));
  return hash.digest('hex').slice(0, 12);
}

async function readManifest(dir) {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8'));
    await stat(join(dir, manifest.vmdk));
    return manifest;
  } catch {
    return null;
  }
}

/**
 * The cached bench image, built first if missing.
 * @returns {Promise<{ vmdk: string, dir: string, cached: boolean, manifest: any }>}
 */
export async function ensureBenchImage({ cacheDir, force = false, log = () => undefined, params: IMAGE_PARAMS = DEFAULT_PARAMS }) {
  const hash = await builderHash(IMAGE_PARAMS);
  const dir = join(cacheDir, `${IMAGE_PARAMS.name}-${hash}`);
  if (force) await rm(dir, { recursive: true, force: true });
  const existing = await readManifest(dir);
  if (existing) return { vmdk: join(dir, existing.vmdk), dir, cached: true, manifest: existing };

  log(
    `building the bench image ${IMAGE_PARAMS.name}-${hash} (${IMAGE_PARAMS.diskGiB} GiB disk, ${IMAGE_PARAMS.dataFiles * IMAGE_PARAMS.dataFileMiB} MiB of data)…`,
  );
  const build = await mkdtemp(join(cacheDir, `.build-${IMAGE_PARAMS.name}-`));
  try {
    const started = performance.now();
    const steps = {};
    const step = async (name, fn) => {
      const t = performance.now();
      const value = await fn();
      steps[name] = secondsSince(t);
      return value;
    };
    const tree = join(build, 'tree');
    const raw = join(build, 'disk.raw');
    await step('tree', () => writeTree(tree));
    await step('data', () => writeDataFiles(join(tree, 'srv/bench-data'), { count: IMAGE_PARAMS.dataFiles, fileMiB: IMAGE_PARAMS.dataFileMiB }));
    await fixTimes(tree);
    const part = await step('partition', async () => {
      const fh = await open(raw, 'w');
      await fh.truncate(IMAGE_PARAMS.diskGiB * 1024 ** 3);
      await fh.close();
      const script = `label: dos\nlabel-id: ${IMAGE_PARAMS.diskId}\nunit: sectors\n\nstart=2048, type=83, bootable\n`;
      await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', '--wipe', 'always', raw], { input: script });
      const { stdout } = await run('sfdisk', ['--json', raw]);
      const p = JSON.parse(stdout).partitiontable.partitions[0];
      return { start: p.start * 512, size: p.size * 512 };
    });
    await step('mke2fs', () =>
      run(
        'mke2fs',
        [
          '-q',
          '-F',
          '-t',
          'ext4',
          '-d',
          tree,
          '-U',
          ROOT_UUID,
          '-L',
          'cloudimg-rootfs',
          '-E',
          `offset=${part.start},nodiscard,root_owner=0:0,hash_seed=${ROOT_UUID}`,
          raw,
          `${Math.floor(part.size / 1024)}k`,
        ],
        { env: { E2FSPROGS_FAKE_TIME: FAKE_TIME } },
      ),
    );
    // mke2fs -d copies each file's ctime (which cannot be set on the host) and stamps crtime: pin both.
    await step('pin-times', async () => {
      const script = (await listTree(tree)).flatMap((path) => [`sif "${path}" ctime ${FAKE_STAMP}`, `sif "${path}" crtime ${FAKE_STAMP}`]).join('\n') + '\n';
      await writeFile(join(build, 'pin-times.debugfs'), script);
      await run('debugfs', ['-w', '-f', join(build, 'pin-times.debugfs'), `${raw}?offset=${part.start}`], { env: { E2FSPROGS_FAKE_TIME: FAKE_TIME } });
    });
    await rm(tree, { recursive: true, force: true });
    const vmdkName = `${IMAGE_PARAMS.name}.vmdk`;
    await step('export', () =>
      run('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', `subformat=${IMAGE_PARAMS.subformat}`, raw, join(build, vmdkName)]),
    );
    await rm(raw, { force: true });
    await pinVmdkCid(join(build, vmdkName));
    const info = JSON.parse((await run('qemu-img', ['info', '--output=json', join(build, vmdkName)])).stdout);
    const manifest = {
      name: IMAGE_PARAMS.name,
      hash,
      params: IMAGE_PARAMS,
      vmdk: vmdkName,
      virtualSize: info['virtual-size'],
      vmdkBytes: info['actual-size'],
      buildSeconds: secondsSince(started),
      steps,
      builtAt: new Date().toISOString(),
    };
    await writeFile(join(build, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    await rename(build, dir);
    // Older builds of this image (another hash) only take space.
    for (const entry of await readdir(cacheDir)) {
      if (entry.startsWith(`${IMAGE_PARAMS.name}-`) && entry !== `${IMAGE_PARAMS.name}-${hash}`)
        await rm(join(cacheDir, entry), { recursive: true, force: true });
    }
    return { vmdk: join(dir, vmdkName), dir, cached: false, manifest };
  } catch (error) {
    await rm(build, { recursive: true, force: true });
    throw error;
  }
}
