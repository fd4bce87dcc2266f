/**
 * Loads plugins named in the config: by npm package name (official or a
 * vendor's) or by file path, the same way for both. Validates each plugin's
 * shape, plugin API and options; every problem becomes one config line.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ConfigError, describeError } from '../errors.js';
import { formatIssues, formatPath } from '../config/format-issues.js';
import type { PluginEntry } from '../config/schema.js';
import type { EnginePlugin } from '../engine/engine.js';
import { SUPPORTED_PLUGIN_APIS } from './api.js';
import type { Hyper2kvmPlugin } from './contract.js';
import { orderByPlugin } from './in-code.js';

const pluginShape = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  api: z.int().positive(),
  apply: z.custom<Hyper2kvmPlugin['apply']>((value) => typeof value === 'function', 'apply must be a function'),
  enforce: z.enum(['pre', 'post']).optional(),
  before: z.array(z.string()).optional(),
  after: z.array(z.string()).optional(),
});

export interface LoadPluginsOptions {
  /** Folder that relative plugin paths and package names resolve from (the config file's folder). */
  baseDir: string;
  /** Config file name for messages. */
  displayName: string;
  coreVersion: string;
}

/** A plugin loaded from the config, before ordering. */
export interface LoadedPlugin extends EnginePlugin {
  specifier: string;
  /** Where the module was loaded from. */
  resolvedPath: string;
}

function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier) || specifier.startsWith('file:');
}

/** Absolute path of the plugin module, or an Error saying why not. */
export function resolvePluginModule(specifier: string, baseDir: string): string | Error {
  if (isPathSpecifier(specifier)) {
    const path = specifier.startsWith('file:') ? new URL(specifier).pathname : resolve(baseDir, specifier);
    return existsSync(path) ? path : new Error(`file ${path} does not exist`);
  }
  try {
    return createRequire(join(baseDir, 'hyper2kvm-config.js')).resolve(specifier);
  } catch {
    try {
      // Fall back to what is installed beside hyper2kvm itself (the official plugins).
      return new URL(import.meta.resolve(specifier)).pathname;
    } catch {
      return new Error(`package is not installed (npm install ${specifier})`);
    }
  }
}

function entryParts(entry: PluginEntry): { specifier: string; options: unknown } {
  return typeof entry === 'string' ? { specifier: entry, options: undefined } : { specifier: entry.plugin, options: entry.options };
}

/** Imports, validates and orders the plugins of a config. Throws one ConfigError listing every problem. */
export async function loadPlugins(entries: PluginEntry[], options: LoadPluginsOptions): Promise<LoadedPlugin[]> {
  const problems: string[] = [];
  const loaded: LoadedPlugin[] = [];
  for (const [index, entry] of entries.entries()) {
    const { specifier, options: rawOptions } = entryParts(entry);
    const where = `${options.displayName}: ${formatPath(['plugins', index])}`;
    const modulePath = resolvePluginModule(specifier, options.baseDir);
    if (modulePath instanceof Error) {
      problems.push(`${where}: cannot load ${JSON.stringify(specifier)}: ${modulePath.message}`);
      continue;
    }
    let exported: unknown;
    try {
      const module = (await import(pathToFileURL(modulePath).href)) as { default?: unknown; plugin?: unknown };
      exported = module.default ?? module.plugin;
    } catch (error) {
      problems.push(`${where}: cannot load ${JSON.stringify(specifier)}: ${describeError(error).split('\n')[0]}`);
      continue;
    }
    const shape = pluginShape.safeParse(exported);
    if (!shape.success) {
      const fields = shape.error.issues.map((issue) => formatPath(issue.path) || 'export').join(', ');
      problems.push(`${where}: ${JSON.stringify(specifier)} does not export a hyper2kvm plugin (bad or missing: ${fields})`);
      continue;
    }
    const plugin = exported as Hyper2kvmPlugin;
    if (!SUPPORTED_PLUGIN_APIS.includes(plugin.api)) {
      problems.push(
        `${where}: ${plugin.name}@${plugin.version} is written for plugin API ${plugin.api}, but this hyper2kvm (@hyper2kvm/core ${options.coreVersion}) provides plugin API ${SUPPORTED_PLUGIN_APIS.join(', ')}`,
      );
      continue;
    }
    let validOptions: unknown = rawOptions ?? {};
    if (plugin.options) {
      const result = plugin.options.safeParse(rawOptions ?? {});
      if (result.success) validOptions = result.data;
      else {
        problems.push(...formatIssues(options.displayName, result.error.issues, rawOptions ?? {}, ['plugins', index, 'options']));
        continue;
      }
    } else if (typeof rawOptions === 'object' && rawOptions !== null && Object.keys(rawOptions).length > 0) {
      problems.push(`${where}.options: ${plugin.name} takes no options`);
      continue;
    }
    loaded.push({ plugin, options: validOptions, specifier, resolvedPath: modulePath });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return orderByPlugin(loaded, options.displayName);
}
