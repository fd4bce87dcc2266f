// Builder for kind 'linux' recipes: tree -> partitioned raw disk(s) -> exports.
import { join } from 'node:path';
import { exportDisk } from './export.mjs';
import { writeDisks } from './layout.mjs';
import { writeRpmDb } from './rpmdb.mjs';
import { materialize } from './tree.mjs';

/**
 * Build a Linux guest's disks and export them.
 * @param {any} recipe
 * @param {{ outDir: string, workDir: string }} where
 * @returns {Promise<Record<string,string>>} format -> file name in outDir
 */
export async function build(recipe, { outDir, workDir }) {
  const tree = join(workDir, 'tree');
  await materialize(tree, recipe);
  if (recipe.rpmPackages?.length) await writeRpmDb(tree, recipe.rpmPackages, workDir);
  const { imgs } = await writeDisks(recipe, tree, workDir);
  return exportDisk(imgs, outDir, recipe);
}
