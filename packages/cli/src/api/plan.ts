/** Programmatic `plan`: every repair as data, nothing written. */
import { planToJson, renderPlan, type GuestFacts, type Plan } from '@hyper2kvm/core';
import { planRun, startRun, type CommonRunOptions } from './run-context.js';

export interface PlanResult {
  facts: GuestFacts;
  plan: Plan;
  /** The plan document (`hyper2kvm plan --json`). */
  document: PlanDocument;
  /** The plan for people. */
  text: string;
  timings: Record<string, number>;
}

export interface PlanDocument {
  facts: GuestFacts;
  plugins: { name: string; version: string; active: boolean }[];
  plan: ReturnType<typeof planToJson>;
}

export function planDocument(facts: GuestFacts, plugins: { name: string; version: string; active: boolean }[], plan: Plan): PlanDocument {
  return { facts, plugins, plan: planToJson(plan) };
}

export async function plan(options: CommonRunOptions): Promise<PlanResult> {
  const run = await startRun(options);
  try {
    options.onProgress?.({ step: 'plan' });
    const result = await planRun(run);
    await run.session.verified;
    const active = new Set(run.engine.activePlugins);
    const plugins = run.plugins.map(({ plugin }) => ({ name: plugin.name, version: plugin.version, active: active.has(plugin.name) }));
    return { facts: run.facts, plan: result, document: planDocument(run.facts, plugins, result), text: renderPlan(result), timings: run.timings };
  } finally {
    await run.dispose();
  }
}
