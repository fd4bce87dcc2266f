/** Loads the config and the plugins it enables (or the built-in preset). */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_VERSION, loadConfig, loadPlugins, type LoadedConfig, type LoadedPlugin, type PluginEntry } from '@hyper2kvm/core';
import { OFFICIAL_PLUGINS } from './preset.js';

export interface RunSetup {
  loaded: LoadedConfig;
  plugins: LoadedPlugin[];
  /** `config` when the config lists plugins, `override` when the caller replaced them, `preset` otherwise. */
  pluginSource: 'config' | 'override' | 'preset';
}

/** Folder the official plugins resolve from (beside this package). */
const CLI_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * `plugins` replaces the config's plugin list (a batch group's own list); its
 * path specifiers should be absolute, package names resolve from `cwd`.
 */
export async function setupRun(options: { cwd: string; configFile?: string; plugins?: PluginEntry[] }): Promise<RunSetup> {
  const loaded = await loadConfig({ cwd: options.cwd, ...(options.configFile ? { file: options.configFile } : {}) });
  if (options.plugins) {
    const plugins = await loadPlugins(options.plugins, { baseDir: options.cwd, displayName: '(plugins override)', coreVersion: CORE_VERSION });
    return { loaded, plugins, pluginSource: 'override' };
  }
  const fromConfig = loaded.config.plugins !== undefined;
  const plugins = await loadPlugins(loaded.config.plugins ?? OFFICIAL_PLUGINS, {
    baseDir: fromConfig && loaded.filePath ? dirname(loaded.filePath) : CLI_DIR,
    displayName: fromConfig ? loaded.displayName : '(built-in preset)',
    coreVersion: CORE_VERSION,
  });
  return { loaded, plugins, pluginSource: fromConfig ? 'config' : 'preset' };
}
