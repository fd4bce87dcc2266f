/**
 * Turns the groups' glob patterns into VMs: every matching file is one VM
 * with its own output folder `<output_dir>/<vm-name>/`.
 */
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { PluginEntry } from '@hyper2kvm/core';
import { expandGlob } from './glob.js';
import { resolvePluginPaths, type LoadedBatchFile } from './schema.js';

/** One VM of the batch. */
export interface BatchVm {
  /** `<group>/<name>`: the VM's key in the state file and in events. */
  id: string;
  group: string;
  /** Folder name of the VM under the group's output folder. */
  name: string;
  sources: string[];
  outputDir: string;
}

/** One group with its VMs, in file order. */
export interface BatchGroup {
  name: string;
  index: number;
  parallel: number;
  concurrent: boolean;
  plugins?: PluginEntry[];
  format?: 'qcow2' | 'raw';
  compress?: boolean;
  vms: BatchVm[];
}

export interface ExpandedBatch {
  groups: BatchGroup[];
  /** Patterns that matched no file, as sentences for the summary. */
  warnings: string[];
}

/** A folder-safe VM name from a source file name. */
function safeName(raw: string): string {
  return raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'vm';
}

/**
 * Expands every pattern. A VM is named after its file (without extension);
 * when two matches would share an output folder, the parent folder's name
 * is prefixed (`web-1-vm`), then a counter, so names stay stable across runs.
 */
export async function expandSources(batch: LoadedBatchFile): Promise<ExpandedBatch> {
  const warnings: string[] = [];
  const groups: BatchGroup[] = [];
  const taken = new Set<string>();
  for (const [index, group] of batch.file.migrations.entries()) {
    const patterns = typeof group.source_pattern === 'string' ? [group.source_pattern] : group.source_pattern;
    const files = new Set<string>();
    for (const pattern of patterns) {
      const matches = await expandGlob(pattern, batch.baseDir);
      if (matches.length === 0) warnings.push(`${batch.displayName}: migrations[${index}] (${group.name}): pattern ${JSON.stringify(pattern)} matched no file`);
      for (const match of matches) files.add(match);
    }
    const outputRoot = resolve(batch.baseDir, group.output_dir);
    const vms: BatchVm[] = [];
    for (const source of [...files].sort()) {
      const stem = safeName(basename(source, extname(source)));
      let name = stem;
      if (taken.has(join(outputRoot, name))) name = safeName(`${basename(dirname(source))}-${stem}`);
      for (let counter = 2; taken.has(join(outputRoot, name)); counter++) name = `${stem}-${counter}`;
      taken.add(join(outputRoot, name));
      vms.push({ id: `${group.name}/${name}`, group: group.name, name, sources: [source], outputDir: join(outputRoot, name) });
    }
    groups.push({
      name: group.name,
      index,
      parallel: group.parallel,
      concurrent: group.concurrent,
      vms,
      ...(group.plugins ? { plugins: resolvePluginPaths(group.plugins, batch.baseDir) } : {}),
      ...(group.format ? { format: group.format } : {}),
      ...(group.compress !== undefined ? { compress: group.compress } : {}),
    });
  }
  return { groups, warnings };
}
