/**
 * What a guest should receive from the fake virtio-win tree of test-images
 * for one OS directory and architecture, per shared/reference/windows-virtio.md:
 * every driver package of `/<DriverDir>/<os>/<arch>/` except `sriov/`,
 * without `.pdb` files, and without `qemufwcfg` when `fwcfg` is there too.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ExpectedDriverFile {
  /** Path under the guest's staging folder, e.g. `viostor/viostor.sys`. */
  staged: string;
  /** The file in the tree it must equal. */
  host: string;
}

/** The driver files to stage for `os`/`arch`, read from the tree (not from hyper2kvm). */
export async function expectedStaging(tree: string, os: string, arch: string): Promise<ExpectedDriverFile[]> {
  const dirs: string[] = [];
  for (const entry of await readdir(tree, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'sriov') continue;
    const found = await readdir(join(tree, entry.name, os, arch)).catch(() => null);
    if (found) dirs.push(entry.name);
  }
  const chosen = dirs.includes('fwcfg') ? dirs.filter((dir) => dir !== 'qemufwcfg') : dirs;
  const files: ExpectedDriverFile[] = [];
  for (const dir of chosen) {
    for (const name of await readdir(join(tree, dir, os, arch))) {
      if (!name.toLowerCase().endsWith('.pdb')) files.push({ staged: `${dir}/${name}`, host: join(tree, dir, os, arch, name) });
    }
  }
  return files.sort((a, b) => a.staged.localeCompare(b.staged));
}
