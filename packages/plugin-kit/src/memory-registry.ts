/**
 * A registry held in memory, built from plain data: the `RegistryReader`
 * port for plan tests of Windows plugins (no hive files, no libhivex), and
 * the `RegistryWriter` a fix applies the plan's registry edits to.
 * Keys and value names are matched case-insensitively, as Windows does.
 */
import type { HiveName, RegistryChange, RegistryReader, RegistryValue, RegistryWriter } from '@hyper2kvm/core';

/** One key of a hive: its path (`\`-separated, relative to the hive root) and values (`''` is the default value). */
export interface MemoryRegistryEntry {
  key: string;
  values?: Record<string, RegistryValue>;
}

/** Hives as plain data, e.g. the `entries` of a test-image recipe's hive. */
export type MemoryHives = Partial<Record<HiveName, MemoryRegistryEntry[]>>;

interface KeyNode {
  name: string;
  children: Map<string, KeyNode>;
  values: Map<string, RegistryValue>;
}

function newNode(name: string): KeyNode {
  return { name, children: new Map(), values: new Map() };
}

function partsOf(key: string): string[] {
  return key.split('\\').filter((part) => part !== '');
}

export class MemoryRegistry implements RegistryReader, RegistryWriter {
  readonly #roots = new Map<HiveName, KeyNode>();

  constructor(hives: MemoryHives = {}) {
    for (const [hive, entries] of Object.entries(hives) as [HiveName, MemoryRegistryEntry[]][]) {
      for (const entry of entries) {
        const node = this.#ensure(hive, entry.key);
        for (const [name, value] of Object.entries(entry.values ?? {})) node.values.set(name.toLowerCase(), value);
      }
    }
  }

  getValue(hive: HiveName, key: string, name: string): Promise<RegistryValue | null> {
    return Promise.resolve(this.#find(hive, key)?.values.get(name.toLowerCase()) ?? null);
  }

  listSubkeys(hive: HiveName, key: string): Promise<string[] | null> {
    const node = this.#find(hive, key);
    return Promise.resolve(node ? [...node.children.values()].map((child) => child.name) : null);
  }

  /** Applies registry edits in memory (there is no hive file, so `backupDir` keeps nothing). */
  apply(hive: HiveName, changes: RegistryChange[], _backupDir: string): Promise<void> {
    for (const change of changes) {
      switch (change.kind) {
        case 'registry.set':
          this.#ensure(hive, change.key).values.set(change.name.toLowerCase(), change.value);
          break;
        case 'registry.deleteValue':
          this.#find(hive, change.key)?.values.delete(change.name.toLowerCase());
          break;
        case 'registry.deleteKey': {
          const parts = partsOf(change.key);
          const last = parts.pop();
          if (last !== undefined) this.#find(hive, parts.join('\\'))?.children.delete(last.toLowerCase());
          break;
        }
      }
    }
    return Promise.resolve();
  }

  #find(hive: HiveName, key: string): KeyNode | undefined {
    let node = this.#roots.get(hive);
    for (const part of partsOf(key)) node = node?.children.get(part.toLowerCase());
    return node;
  }

  #ensure(hive: HiveName, key: string): KeyNode {
    let node: KeyNode | undefined = this.#roots.get(hive);
    if (!node) {
      node = newNode('');
      this.#roots.set(hive, node);
    }
    for (const part of partsOf(key)) {
      let child: KeyNode | undefined = node.children.get(part.toLowerCase());
      if (!child) {
        child = newNode(part);
        node.children.set(part.toLowerCase(), child);
      }
      node = child;
    }
    return node;
  }
}
