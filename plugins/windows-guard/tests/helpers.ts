/**
 * Test helpers: a RegistryReader over the recipes' hive data (the same
 * entries the test images build into real hives), and inspect + plan
 * through the engine with that registry.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_VERSION, Engine, defaultTargetDevices, pluginsInCode, type GuestFacts, type GuestFilesystem, type HiveName, type Hyper2kvmPlugin, type Plan, type RegistryReader, type RegistryValue, type WindowsFacts } from '@hyper2kvm/core';
import { DirectoryGuest } from '@hyper2kvm/guestfs';
import { MemoryRegistry, materializeGuest, type GuestTree } from '@hyper2kvm/plugin-kit';
import { inspectWindows } from '@hyper2kvm/core';

export interface RecipeHive {
  root: string;
  entries: { key: string; values?: Record<string, RegistryValue> }[];
}

/** The recipes' hive data as a RegistryReader (plugin-kit's MemoryRegistry). */
export function registryFrom(hives: Partial<Record<HiveName, RecipeHive>>): RegistryReader {
  return new MemoryRegistry(Object.fromEntries(Object.entries(hives).map(([hive, data]) => [hive, data.entries])));
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
  facts?: Partial<Omit<GuestFacts, 'windows'>> & { windows?: Partial<WindowsFacts> };
}): Promise<RunOutcome> {
  const root = await materializeGuest(options.guest);
  const guest = new DirectoryGuest(root, { filesystems: options.filesystems ?? [] });
  const ordered = pluginsInCode(options.plugins, 'test');
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
  const base: GuestFacts = { os: { type: 'windows', arch: 'x86_64' }, firmware: options.firmware, ...(windows ? { windows } : {}), target: defaultTargetDevices(), extensions: {} };
  // facts.windows is merged, so a test can add to the facts read from the registry.
  const { windows: moreWindows, ...more } = options.facts ?? {};
  const merged = base.windows || moreWindows ? { windows: { ...base.windows, ...moreWindows } as WindowsFacts } : {};
  const facts = await engine.inspect(guest, { ...base, ...more, ...merged });
  const { plan } = await engine.planWithView(guest, facts, { registry });
  return { plan, facts, root, engine, guest, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'hyper2kvm-test-'));
}
