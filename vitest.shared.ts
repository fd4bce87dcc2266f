// Shared vitest settings: workspace packages resolve to their TypeScript
// sources, so tests never depend on a stale build of a sibling package.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));

function workspaceAliases(): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const group of ['packages', 'plugins', 'tools']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir)) {
      const manifest = join(groupDir, entry, 'package.json');
      const source = join(groupDir, entry, 'src', 'index.ts');
      if (!existsSync(manifest) || !existsSync(source)) continue;
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string };
      aliases[name] = source;
    }
  }
  return aliases;
}

/** Vitest config for one project; `overrides.test` is merged over the defaults. */
export function projectConfig(overrides: { test?: NonNullable<ViteUserConfig['test']> } = {}): ViteUserConfig {
  return defineConfig({
    resolve: { alias: workspaceAliases() },
    test: {
      include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
      // Appliance calls under TCG on a loaded 2-core machine take tens of seconds.
      testTimeout: 120_000,
      // libguestfs without libvirt: the appliance is qemu run directly (setup.sh installs no libvirt for it).
      env: { LIBGUESTFS_BACKEND: process.env['LIBGUESTFS_BACKEND'] ?? 'direct' },
      hookTimeout: 900_000,
      // Test files mostly wait on a TCG appliance or qemu: two at a time keep
      // both cores of a small CI machine busy (vitest's default there is one).
      maxWorkers: Math.max(2, availableParallelism() - 1),
      ...overrides.test,
    },
  });
}
