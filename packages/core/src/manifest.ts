/** Reads the package.json nearest to a module, so plugins report their own name and version from one place. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageManifest {
  name: string;
  version: string;
}

/** `packageManifest(import.meta.url)` → the name and version of the calling package. */
export function packageManifest(moduleUrl: string): PackageManifest {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const { name, version } = JSON.parse(readFileSync(candidate, 'utf8')) as Partial<PackageManifest>;
      if (name && version) return { name, version };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}
