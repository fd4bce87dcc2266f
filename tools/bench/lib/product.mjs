// Loads hyper2kvm's built API (@hyper2kvm/cli and @hyper2kvm/disk dist) and
// warns when a package's src is newer than its dist (run the build first).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

async function newestMtime(dir) {
  let newest = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(path));
    else if (!/\.test\.ts$/.test(entry.name)) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** Package folders whose src/ changed after their dist/ was built. */
export async function staleDists(root) {
  const stale = [];
  for (const group of ['packages', 'plugins']) {
    for (const name of await readdir(join(root, group))) {
      const src = await newestMtime(join(root, group, name, 'src'));
      const dist = await newestMtime(join(root, group, name, 'dist'));
      if (src > 0 && (dist === 0 || src > dist)) stale.push(`${group}/${name}`);
    }
  }
  return stale;
}

/** The APIs the bench drives. */
export async function loadProduct() {
  const cli = await import('@hyper2kvm/cli');
  const disk = await import('@hyper2kvm/disk');
  return { migrate: cli.migrate, inspect: cli.inspect, plan: cli.plan, ...disk };
}
