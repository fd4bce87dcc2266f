/** Programmatic `inspect`: what OS and configuration the exported VM has. */
import type { GuestFacts } from '@hyper2kvm/core';
import { startRun, type CommonRunOptions } from './run-context.js';

export interface InspectResult {
  facts: GuestFacts;
  applianceLaunches: number;
  timings: Record<string, number>;
}

export async function inspect(options: CommonRunOptions): Promise<InspectResult> {
  const run = await startRun(options);
  try {
    return { facts: run.facts, applianceLaunches: run.session.applianceLaunches, timings: run.timings };
  } finally {
    await run.dispose();
  }
}
