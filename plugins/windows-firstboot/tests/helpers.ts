/**
 * Test helpers: a RegistryReader over the recipes' hive data (the same
 * entries the test images build into real hives), and inspect + plan
 * through the engine with that registry.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_VERSION, Engine, orderPlugins, type GuestFacts, type GuestFilesystem, type HiveName, type Hyper2kvmPlugin, type Plan, type RegistryReader, type RegistryValue } from '@hyper2kvm/core';
import { DirectoryGuest } from '@hyper2kvm/guestfs';
import { materializeGuest, type GuestTree } from '@hyper2kvm/plugin-kit';
import { inspectWindows } from '@hyper2kvm/core';

export interface RecipeHive {
  root: string;
  entries: { key: string; values?: Record<string, RegistryValue> }[];
}

/** Keys (lower case path) → values (lower case name) of each hive. */
export function registryFrom(hives: Partial<Record<HiveName, RecipeHive>>): RegistryReader {
  const keys = new Map<string, Map<string, RegistryValue>>();
  const id = (hive: string, key: string): string => `${hive}\\${key}`.toLowerCase().replace(/\\+$/, '');
  const names = new Map<string, string>();
  for (const [hive, data] of Object.entries(hives)) {
    keys.set(id(hive, ''), keys.get(id(hive, '')) ?? new Map());
    for (const entry of data.entries) {
      const parts = entry.key.split('\\');
      for (let i = 1; i <= parts.length; i++) {
        const path = parts.slice(0, i).join('\\');
        if (!keys.has(id(hive, path))) keys.set(id(hive, path), new Map());
        names.set(id(hive, path), parts[i - 1] ?? '');
      }
      const values = keys.get(id(hive, entry.key));
      for (const [name, value] of Object.entries(entry.values ?? {})) values?.set(name.toLowerCase(), value);
    }
  }
  return {
    getValue: async (hive, key, name) => keys.get(id(hive, key))?.get(name.toLowerCase()) ?? null,
    listSubkeys: async (hive, key) => {
      const parent = id(hive, key);
      if (!keys.has(parent)) return null;
      const prefix = key === '' ? `${hive.toLowerCase()}\\` : `${parent}\\`;
      return [...keys.keys()].filter((path) => path.startsWith(prefix) && !path.slice(prefix.length).includes('\\')).map((path) => names.get(path) ?? '');
    },
  };
}

export interface RunOutcome {
  plan: Plan;
  facts: GuestFacts;
  root: string;
  engine: Engine;
  guest: DirectoryGuest;
  cleanup(): Promise<void>;
}

/** Inspect (core Windows facts from the registry, then the plugins) and plan. */
export async function runPlan(options: {
  plugins: (Hyper2kvmPlugin | [Hyper2kvmPlugin, unknown])[];
  guest: GuestTree;
  registry: RegistryReader;
  firmware: 'bios' | 'uefi';
  filesystems?: GuestFilesystem[];
  facts?: Partial<GuestFacts>;
}): Promise<RunOutcome> {
  const root = await materializeGuest(options.guest);
  const guest = new DirectoryGuest(root, { filesystems: options.filesystems ?? [] });
  const entries = options.plugins.map((entry) => (Array.isArray(entry) ? { plugin: entry[0], rawOptions: entry[1] } : { plugin: entry, rawOptions: undefined }));
  const ordered = orderPlugins(entries.map(({ plugin, rawOptions }) => ({ name: plugin.name, enforce: plugin.enforce, before: plugin.before, after: plugin.after, plugin, options: plugin.options ? plugin.options.parse(rawOptions ?? {}) : rawOptions })), 'test');
  const engine = new Engine({ plugins: ordered, coreVersion: CORE_VERSION });
  const registry = options.registry;
  const view = {
    resolveCaseInsensitive: (path: string) => guest.resolveCaseInsensitive(path),
    stat: (path: string) => guest.stat(path),
    readFile: (path: string) => guest.readFile(path),
    registryValue: (hive: HiveName, key: string, name: string) => registry.getValue(hive, key, name),
    registrySubkeys: (hive: HiveName, key: string) => registry.listSubkeys(hive, key),
  };
  const windows = await inspectWindows(view);
  const base: GuestFacts = { os: { type: 'windows', arch: 'x86_64' }, firmware: options.firmware, ...(windows ? { windows } : {}), extensions: {} };
  const facts = await engine.inspect(guest, { ...base, ...options.facts });
  const { plan } = await engine.planWithView(guest, facts, { registry });
  return { plan, facts, root, engine, guest, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'hyper2kvm-test-'));
}
