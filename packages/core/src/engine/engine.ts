/**
 * The engine: owns one tapable hook per lifecycle step, hands plugins a
 * tap-only view, and runs the steps in order for one VM.
 */
import { AsyncSeriesHook, HookMap } from 'tapable';
import type { Logger } from 'pino';
import { BlockedError, PluginError } from '../errors.js';
import type { GuestFacts } from '../facts.js';
import type { GuestFs } from '../guest/guestfs.js';
import { detectNetwork } from '../inspect/linux.js';
import { describeNetworkConfigs, markDomainNics } from '../network/configured/describe.js';
import { domainMacs } from '../network/nic-binding.js';
import { isBlocked, type ActionRequest, type Finding, type Plan } from '../plan/changes.js';
import { PlanBuilder } from '../plan/plan-builder.js';
import { PlannedGuest, type RegistryReader } from '../plan/planned-guest.js';
import type { Hyper2kvmPlugin, PluginHooks, TapOnlyHook, TapOptions } from '../plugin/contract.js';
import { applyPlan, type RegistryWriter } from './apply-plan.js';
import { timed } from '../timing.js';
import type {
  ActionContext,
  ActionProgress,
  ConvertContext,
  DisposeContext,
  EmitContext,
  FixContext,
  InspectContext,
  PlanContext,
  VerifyContext,
  ProgressEvent,
} from './contexts.js';
import { silentLogger } from '../logger.js';
import type { RunSettings } from './run-settings.js';

/** A plugin with its validated options, in run order. */
export interface EnginePlugin {
  plugin: Hyper2kvmPlugin;
  options: unknown;
}

type LifecycleHook = 'inspect' | 'plan' | 'fixOffline' | 'convert' | 'emit' | 'verify';

interface PlanRun {
  builder: PlanBuilder;
  facts: GuestFacts;
}

/** Options of {@link Engine.plan}. */
export interface PlanOptions {
  registry?: RegistryReader;
  /**
   * Findings the caller already has about the source (its manifest, its
   * certificate, snapshots taken): they head the plan, and an `error` among
   * them blocks it like a plugin's.
   */
  findings?: Finding[];
}

export interface EngineOptions {
  plugins: EnginePlugin[];
  logger?: Logger;
  coreVersion: string;
  /** Settings of the run, handed to every plugin's `apply` (default: none). */
  settings?: RunSettings;
}

export class Engine {
  readonly plugins: readonly EnginePlugin[];
  readonly #logger: Logger;
  readonly #active = new Set<string>();
  readonly #builtIns = new Set<string>();
  readonly #hooks = {
    inspect: new AsyncSeriesHook<[InspectContext]>(['context']),
    plan: new AsyncSeriesHook<[PlanRun]>(['run']),
    fixOffline: new AsyncSeriesHook<[FixContext]>(['context']),
    convert: new AsyncSeriesHook<[ConvertContext]>(['context']),
    emit: new AsyncSeriesHook<[EmitContext]>(['context']),
    verify: new AsyncSeriesHook<[VerifyContext]>(['context']),
  };
  readonly #disposeTaps: { plugin: string; fn: (context: DisposeContext) => unknown }[] = [];
  #disposed = false;
  readonly #actions = new HookMap<AsyncSeriesHook<[ActionContext]>>(() => new AsyncSeriesHook<[ActionContext]>(['context']));

  /** Plugins must already be in run order (see `orderPlugins`). Calls every plugin's `apply` once. */
  constructor(options: EngineOptions) {
    this.plugins = options.plugins;
    this.#logger = options.logger ?? silentLogger();
    for (const { plugin, options: pluginOptions } of options.plugins) {
      const logger = this.#logger.child({ plugin: plugin.name });
      try {
        plugin.apply(this.#viewFor(plugin.name, logger), {
          options: pluginOptions,
          logger,
          coreVersion: options.coreVersion,
          run: Object.freeze({ ...options.settings }),
        });
      } catch (error) {
        throw new PluginError(plugin.name, 'apply', error);
      }
    }
  }

  /** Names of the plugins whose `appliesTo` accepted the inspected guest. */
  get activePlugins(): string[] {
    return this.plugins.map(({ plugin }) => plugin.name).filter((name) => this.#active.has(name));
  }

  /** Runs every `inspect` tap, then decides which plugins apply to this guest. */
  async inspect(guest: GuestFs, facts: GuestFacts): Promise<GuestFacts> {
    await this.#hooks.inspect.promise({ guest, facts, logger: this.#logger });
    this.#active.clear();
    for (const { plugin } of this.plugins) {
      let applies: boolean;
      try {
        applies = plugin.appliesTo ? plugin.appliesTo(facts) : true;
      } catch (error) {
        throw new PluginError(plugin.name, 'appliesTo', error);
      }
      if (applies) this.#active.add(plugin.name);
    }
    return facts;
  }

  /** Runs the `plan` taps against a planned view of the guest; nothing is written. */
  async plan(guest: GuestFs, facts: GuestFacts, options: PlanOptions = {}): Promise<Plan> {
    return (await this.planWithView(guest, facts, options)).plan;
  }

  /** Like `plan`, also returning the planned view (the guest as it will be). */
  async planWithView(guest: GuestFs, facts: GuestFacts, options: PlanOptions = {}): Promise<{ plan: Plan; view: PlannedGuest }> {
    const view = new PlannedGuest(guest, options.registry);
    const builder = new PlanBuilder(view);
    builder.plan.findings.push(...(options.findings ?? []));
    await this.#hooks.plan.promise({ builder, facts });
    for (const action of builder.plan.actions) {
      const hook = this.#actions.get(action.key);
      // A provider that does not apply to this guest will not run either.
      const provided = hook?.taps.some((tap) => this.#active.has(tap.name) || this.#builtIns.has(tap.name)) ?? false;
      if (!provided) {
        builder.plan.findings.push({
          plugin: '@hyper2kvm/core',
          rule: 'action-without-provider',
          severity: 'error',
          message: `deferred action ${action.key} (requested by ${action.requestedBy.join(', ')}) has no plugin that provides it`,
          hint: 'enable the plugin that implements this action',
        });
      }
    }
    if (facts.linux) {
      const files = await describeNetworkConfigs(view, await detectNetwork(view));
      if (files.length > 0) builder.plan.network = markDomainNics(files, domainMacs(facts));
    }
    return { plan: builder.plan, view };
  }

  /**
   * Applies the plan to the writable guest: file and registry changes, then
   * `fixOffline` taps, then each deferred action once. Refuses a blocked plan.
   * With `options.timings`, records each part's wall time in it as it ends
   * (see {@link fixTimingKey}), so a failed fix still shows where time went.
   */
  async fix(
    guest: GuestFs,
    facts: GuestFacts,
    plan: Plan,
    options: { backupDir: string; registry?: RegistryWriter; timings?: Record<string, number>; onProgress?: (event: ProgressEvent) => void },
  ): Promise<void> {
    if (isBlocked(plan)) {
      const errors = plan.findings.filter((finding) => finding.severity === 'error');
      throw new BlockedError(
        `blocked by ${errors.length} error finding(s): ${errors.map((finding) => `${finding.rule}: ${finding.message}${finding.hint ? ` (fix: ${finding.hint})` : ''}`).join('; ')}`,
      );
    }
    const timings = options.timings ?? {};
    await timed(timings, fixTimingKey('changes'), () =>
      applyPlan(guest, plan, { backupDir: options.backupDir, ...(options.registry ? { registry: options.registry } : {}) }),
    );
    await timed(timings, fixTimingKey('fixOffline'), () =>
      this.#hooks.fixOffline.promise({ guest, facts, plan, backupDir: options.backupDir, logger: this.#logger }),
    );
    for (const request of orderActions(plan.actions, (key) => this.#actionStage(key))) {
      this.#logger.info({ action: request.key, requestedBy: request.requestedBy }, `running ${request.key}`);
      const report = (finding: Omit<Finding, 'plugin'>, plugin = '@hyper2kvm/core'): void => void plan.findings.push({ ...finding, plugin });
      const onProgress = options.onProgress ?? ((): void => undefined);
      const progress = (update: ActionProgress): void => onProgress({ ...update, step: 'fix', action: request.key });
      onProgress({ step: 'fix', action: request.key, ...actionKernels(request) });
      await timed(timings, fixTimingKey('action', request.key), () =>
        this.#actions.for(request.key).promise({ guest, facts, request, plan, report, progress, logger: this.#logger }),
      );
    }
  }

  async convert(context: ConvertContext): Promise<void> {
    await this.#hooks.convert.promise(context);
  }

  async emit(context: EmitContext): Promise<void> {
    await this.#hooks.emit.promise(context);
  }

  async verify(context: VerifyContext): Promise<void> {
    await this.#hooks.verify.promise(context);
  }

  /**
   * Ends the run for every plugin: runs each `dispose` tap once, in plugin
   * order, whatever happened before. A failing tap is logged, not thrown, so
   * it neither hides the run's own error nor stops the others' cleanup.
   * Call it in a `finally`; later calls do nothing.
   */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const { plugin, fn } of this.#disposeTaps) {
      try {
        await fn({ logger: this.#logger.child({ plugin }) });
      } catch (error) {
        this.#logger.warn({ plugin, err: error }, `plugin ${plugin} failed to clean up: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** The stage an action runs at: the lowest its providers tapped with (see `TapOptions.stage`). */
  #actionStage(key: string): number {
    const taps = this.#actions.get(key)?.taps ?? [];
    return taps.length === 0 ? 0 : Math.min(...taps.map((tap) => tap.stage ?? 0));
  }

  /**
   * Hooks for built-in behaviour of the caller (the default converter, for
   * example): taps named `name`, always active, errors attributed to it.
   */
  builtInHooks(name: string): PluginHooks {
    this.#builtIns.add(name);
    return this.#viewFor(name, this.#logger.child({ plugin: name }), true);
  }

  #viewFor(plugin: string, logger: Logger, alwaysActive = false): PluginHooks {
    const isActive = (hook: string): boolean => alwaysActive || hook === 'inspect' || this.#active.has(plugin);
    const wrap =
      <Run, Context>(hookName: string, fn: (context: Context) => unknown, toContext: (run: Run) => Context) =>
      async (run: Run): Promise<void> => {
        if (!isActive(hookName)) return;
        try {
          await fn(toContext(run));
        } catch (error) {
          if (error instanceof PluginError) throw error;
          throw new PluginError(plugin, hookName, error);
        }
      };
    const view = <Run, Context>(hook: AsyncSeriesHook<[Run]>, hookName: string, toContext: (run: Run) => Context): TapOnlyHook<Context> => ({
      tap: (_name, fn, options?: TapOptions) => hook.tapPromise({ name: plugin, stage: options?.stage ?? 0 }, wrap(hookName, fn, toContext)),
      tapPromise: (_name, fn, options?: TapOptions) => hook.tapPromise({ name: plugin, stage: options?.stage ?? 0 }, wrap(hookName, fn, toContext)),
    });
    const same = <T>(context: T): T => context;
    return {
      inspect: view(this.#hooks.inspect, 'inspect', same),
      plan: view(this.#hooks.plan, 'plan', (run: PlanRun): PlanContext => ({ ...run.builder.forPlugin(plugin), facts: run.facts, logger })),
      fixOffline: view(this.#hooks.fixOffline, 'fixOffline', same),
      action: {
        for: (key: string) =>
          view(this.#actions.for(key), `action ${key}`, (context: ActionContext): ActionContext => ({
            ...context,
            report: (finding) => context.report(finding, plugin),
          })),
      },
      convert: view(this.#hooks.convert, 'convert', same),
      emit: view(this.#hooks.emit, 'emit', (context: EmitContext): EmitContext => ({
        ...context,
        writeOutput: (fileName, content, description) => context.writeOutput(fileName, content, description, plugin),
      })),
      verify: view(this.#hooks.verify, 'verify', same),
      dispose: {
        tap: (_name, fn) => void this.#disposeTaps.push({ plugin, fn }),
        tapPromise: (_name, fn) => void this.#disposeTaps.push({ plugin, fn }),
      },
    };
  }
}

/**
 * The key under which `Engine.fix` records a part's wall time (ms):
 * `fix.changes` (file, registry and upload changes), `fix.fixOffline` (every
 * `fixOffline` tap) and `fix.action:<key>` per deferred action
 * (`fix.action:initramfs.rebuild`). The prefix keeps them apart from the
 * lifecycle steps when they share a report's timings.
 */
export function fixTimingKey(part: 'changes' | 'fixOffline' | 'action', actionKey?: string): string {
  return part === 'action' ? `fix.action:${actionKey ?? ''}` : `fix.${part}`;
}

/** Actions by their stage (lower first), then in request order. */
export function orderActions<T extends { key: string }>(actions: T[], stageOf: (key: string) => number): T[] {
  return actions
    .map((action, index) => ({ action, index, stage: stageOf(action.key) }))
    .sort((a, b) => a.stage - b.stage || a.index - b.index)
    .map(({ action }) => action);
}

export type { LifecycleHook };

/** What a deferred action's request says about the kernels it works on, for its first progress event. */
function actionKernels(request: ActionRequest): Pick<ProgressEvent, 'kernel' | 'message'> {
  const kernels = request.params['kernels'];
  if (!Array.isArray(kernels) || kernels.length === 0 || !kernels.every((kernel): kernel is string => typeof kernel === 'string')) return {};
  return kernels.length === 1 ? { kernel: kernels[0] } : { message: `kernels ${kernels.join(', ')}` };
}
