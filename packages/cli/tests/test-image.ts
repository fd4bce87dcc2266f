/** Typed access to the test-image builders (plain ESM under test-images/). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface TestImage {
  dir: string;
  /** `vmdk2`: the second disk of a two-disk image (VM order). */
  files: { vmdk?: string; vmdk2?: string; ova?: string; vhdx?: string; vmx?: string; iso?: string; tree?: string };
  recipe: unknown;
}

const builderUrl = new URL('../../../test-images/build.mjs', import.meta.url);

export async function ensureImage(name: string): Promise<TestImage> {
  const builder = (await import(fileURLToPath(builderUrl))) as { ensureImage(name: string, options?: { log?: (line: string) => void }): Promise<TestImage> };
  return builder.ensureImage(name, { log: () => undefined });
}

export async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
