/**
 * Plugins handed over in code (tests, programs embedding the engine) instead
 * of named in a config file: their options validated by their own schemas and
 * the list ordered by enforce/before/after, as the config loader does.
 */
import type { EnginePlugin } from '../engine/engine.js';
import type { Hyper2kvmPlugin } from './contract.js';
import { orderPlugins } from './ordering.js';

/** A plugin, alone (default options) or with the raw options it runs with. */
export type PluginInCode = Hyper2kvmPlugin | readonly [Hyper2kvmPlugin, unknown];

/** Orders plugins that carry their own `enforce`/`before`/`after` (`source` names them in errors). */
export function orderByPlugin<T extends EnginePlugin>(entries: T[], source: string): T[] {
  return orderPlugins(
    entries.map((entry) =>
      Object.assign(entry, { name: entry.plugin.name, enforce: entry.plugin.enforce, before: entry.plugin.before, after: entry.plugin.after }),
    ),
    source,
  );
}

/**
 * The engine's plugin list for `plugins`: options parsed by each plugin's
 * schema (a bad option throws the schema's error), ordered as a config's.
 */
export function pluginsInCode(plugins: readonly PluginInCode[], source = 'plugins given in code'): EnginePlugin[] {
  const entries = plugins.map((entry) => {
    const [plugin, rawOptions] = Array.isArray(entry) ? (entry as readonly [Hyper2kvmPlugin, unknown]) : [entry as Hyper2kvmPlugin, undefined];
    return { plugin, options: plugin.options ? plugin.options.parse(rawOptions ?? {}) : rawOptions };
  });
  return orderByPlugin(entries, source);
}
