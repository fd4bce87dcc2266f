/**
 * The plugin contract. A plugin is a plain object made with `definePlugin`;
 * its `apply` taps the lifecycle hooks it cares about.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { GuestFacts } from '../facts.js';
import type { RunSettings } from '../engine/run-settings.js';
import type { ActionContext, ConvertContext, DisposeContext, EmitContext, FixContext, InspectContext, PlanContext, VerifyContext } from '../engine/contexts.js';

/**
 * Options for a tap. `stage` orders the taps of one hook regardless of plugin
 * order (lower first, default 0). On a deferred action's provider it also
 * orders the actions among themselves: each action runs at the lowest stage
 * of its providers, ties in request order (see {@link ACTION_STAGE}).
 */
export interface TapOptions {
  stage?: number;
}

/**
 * Conventional stages of deferred actions, so that providers agree without
 * naming each other: package changes first (they may trigger the guest's own
 * initramfs and boot-loader hooks), then the initramfs, then the boot loader
 * configuration (it names the new images), then labels for everything
 * written (SELinux relabel reads what all the others did).
 */
export const ACTION_STAGE = { packages: -100, initramfs: 0, bootloader: 100, labels: 1000 } as const;

/**
 * A hook as plugins see it: tap only, never call. The name passed is for
 * readability; the engine names every tap after the plugin.
 */
export interface TapOnlyHook<Context> {
  tap(name: string, fn: (context: Context) => void, options?: TapOptions): void;
  tapPromise(name: string, fn: (context: Context) => Promise<void>, options?: TapOptions): void;
}

/** Hooks keyed by a name, e.g. deferred actions by key. */
export interface TapOnlyHookMap<Context> {
  for(key: string): TapOnlyHook<Context>;
}

export interface PluginHooks {
  inspect: TapOnlyHook<InspectContext>;
  plan: TapOnlyHook<PlanContext>;
  fixOffline: TapOnlyHook<FixContext>;
  /** Providers of deferred actions (`initramfs.rebuild`, `grub.mkconfig`…). */
  action: TapOnlyHookMap<ActionContext>;
  convert: TapOnlyHook<ConvertContext>;
  emit: TapOnlyHook<EmitContext>;
  verify: TapOnlyHook<VerifyContext>;
  /**
   * The end of the run, whatever its outcome (planned, converted, blocked,
   * failed): release what the plugin holds (temporary folders, extracted
   * files). Every plugin's taps run, active for the guest or not; a failing
   * tap is logged and does not stop the others.
   */
  dispose: TapOnlyHook<DisposeContext>;
}

/** What `apply` receives besides the hooks. */
export interface PluginContext<Options> {
  /** Options after validation by the plugin's schema (defaults applied). */
  options: Options;
  /** A pino child logger bound to the plugin. */
  logger: Logger;
  /** Version of @hyper2kvm/core running the plugin. */
  coreVersion: string;
  /** Settings of this run (the virtio-win source, …), resolved by the caller. */
  run: Readonly<RunSettings>;
}

export interface PluginDefinition<Schema extends z.ZodType = z.ZodType> {
  /** Equals the npm package name, e.g. `@hyper2kvm/plugin-grub-regen`. */
  name: string;
  /** The plugin's own version (from its package.json). */
  version: string;
  /**
   * The plugin API this plugin is written for, as a literal (`api: 1`): the
   * loader refuses a plugin whose API this core does not provide. See
   * `PLUGIN_API`.
   */
  api: number;
  /** One line: what the plugin repairs or produces. */
  description?: string;
  /** zod schema of the plugin's options. */
  options?: Schema;
  /** Whether the plugin has work on this guest; evaluated after `inspect`. Default: always. */
  appliesTo?: (facts: GuestFacts) => boolean;
  /** `pre` plugins run before the others, `post` after. */
  enforce?: 'pre' | 'post';
  /** Plugin names this one must run after / before. */
  after?: string[];
  before?: string[];
  apply(hooks: PluginHooks, context: PluginContext<z.output<Schema>>): void;
}

/** A plugin as the engine holds it. */
export type Hyper2kvmPlugin = PluginDefinition<z.ZodType>;

/**
 * Declares a plugin. Typing only: it returns its argument, so a plugin
 * package's default export is plain data plus an `apply` function.
 */
export function definePlugin<Schema extends z.ZodType>(definition: PluginDefinition<Schema>): PluginDefinition<Schema> {
  return definition;
}
