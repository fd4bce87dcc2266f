/**
 * The Windows test-image recipes' data as bcd-guard's tests use it: the
 * SYSTEM and SOFTWARE hives as a MemoryRegistry, and a BCD store built into a
 * real hive file (the same entries the test images build).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryValue } from '@hyper2kvm/core';
import { MemoryRegistry, type MemoryHives } from '@hyper2kvm/plugin-kit';
import { buildHive } from '@hyper2kvm/registry';

export interface RecipeHive {
  root: string;
  entries: { key: string; values?: Record<string, RegistryValue> }[];
}

export interface Recipe {
  volumes: Record<string, { hives?: Record<string, RecipeHive> }>;
}

/** The hives a recipe puts on one of its volumes, by guest path. */
export function hivesOf(recipe: Recipe, volume = 'system'): Record<string, RecipeHive> {
  return recipe.volumes[volume]?.hives ?? {};
}

/** The recipe's SYSTEM and SOFTWARE hives (those it has), as a registry a repair can also write to. */
export function registryOf(recipe: Recipe): MemoryRegistry {
  const hives: MemoryHives = {};
  for (const name of ['SYSTEM', 'SOFTWARE'] as const) {
    const hive = hivesOf(recipe)[`/Windows/System32/config/${name}`];
    if (hive) hives[name] = hive.entries;
  }
  return new MemoryRegistry(hives);
}

/** A real BCD hive file's bytes, built from recipe data (in a temporary folder, removed again). */
export async function bcdBytes(hive: RecipeHive): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'hyper2kvm-bcd-test-'));
  try {
    const path = join(dir, 'BCD');
    await buildHive(path, hive.root, hive.entries as Parameters<typeof buildHive>[2]);
    return await readFile(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
