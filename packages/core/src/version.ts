/** The running @hyper2kvm/core version, read from its package.json (works from src and dist). */
import { readFileSync } from 'node:fs';

function readCoreVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === '@hyper2kvm/core' && manifest.version) return manifest.version;
    } catch {
      // try the next candidate
    }
  }
  throw new Error('cannot find the package.json of @hyper2kvm/core');
}

export const CORE_VERSION: string = readCoreVersion();
