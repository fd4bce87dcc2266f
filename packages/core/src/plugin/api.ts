/**
 * The plugin API: the contract between core and plugins (hooks and their
 * contexts, facts, the plan API, what `definePlugin` takes). It is versioned
 * on its own, apart from `@hyper2kvm/core`'s package version: it changes
 * only when a plugin written for the previous one could break, never for
 * additions. A plugin declares the one it was written for (`api: 1`, a
 * literal, never this constant), and the loader refuses any other.
 */
export const PLUGIN_API = 1;

/** Plugin APIs this core runs plugins for. */
export const SUPPORTED_PLUGIN_APIS: readonly number[] = [PLUGIN_API];
