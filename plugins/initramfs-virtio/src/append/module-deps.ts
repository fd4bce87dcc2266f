/**
 * The guest's module dependency file (`modules.dep`, written by its own
 * depmod when the kernel was installed) read as data: which files a module
 * needs, so the virtio drivers can be added with everything they load.
 */
import { moduleNameOf } from '@hyper2kvm/core';

/** Module file (relative to `/lib/modules/<kver>/`) → the files it depends on, in depmod's load order. */
export type ModuleDependencies = Map<string, string[]>;

/** Parses `modules.dep`: `kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko …` per line. */
export function parseModulesDep(text: string): ModuleDependencies {
  const dependencies: ModuleDependencies = new Map();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const module = line.slice(0, colon).trim();
    dependencies.set(
      module,
      line
        .slice(colon + 1)
        .trim()
        .split(/\s+/)
        .filter(Boolean),
    );
  }
  return dependencies;
}

/** What {@link moduleClosure} found: the files to carry, and the names `modules.dep` does not know. */
export interface ModuleClosure {
  /** Module files, dependencies first, each once. */
  files: string[];
  missing: string[];
}

/**
 * The files of the named modules and of everything they depend on
 * (`modules.dep` already lists the whole chain). Names match with `-` and
 * `_` alike, as modprobe does.
 */
export function moduleClosure(dependencies: ModuleDependencies, names: string[]): ModuleClosure {
  const byName = new Map<string, string>();
  for (const file of dependencies.keys()) byName.set(moduleNameOf(file), file);
  const files: string[] = [];
  const missing: string[] = [];
  const add = (file: string): void => {
    if (!files.includes(file)) files.push(file);
  };
  for (const name of names) {
    const file = byName.get(name.replace(/-/g, '_'));
    if (file === undefined) {
      missing.push(name);
      continue;
    }
    // Dependencies are listed deepest last; loading order is the reverse.
    for (const dependency of [...(dependencies.get(file) ?? [])].reverse()) add(dependency);
    add(file);
  }
  return { files, missing };
}
