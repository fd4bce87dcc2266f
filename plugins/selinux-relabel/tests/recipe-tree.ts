/** A test image's recipe written out as a guest tree on the host (no disk image needed for plan tests). */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const testImages = new URL('../../../test-images/', import.meta.url);

/** Materialises `test-images/recipes/<name>.mjs` into a new temporary folder and returns it. */
export async function recipeTree(name: string): Promise<string> {
  const recipe = ((await import(fileURLToPath(new URL(`recipes/${name}.mjs`, testImages)))) as { default: unknown }).default;
  const { materialize } = (await import(fileURLToPath(new URL('lib/tree.mjs', testImages)))) as { materialize(root: string, recipe: unknown): Promise<void> };
  const root = await mkdtemp(join(tmpdir(), `hyper2kvm-${name}-`));
  await materialize(root, recipe);
  return root;
}
