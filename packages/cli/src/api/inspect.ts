/** Programmatic `inspect`: what the exported VM is, its hardware and its OS. */
import { resolve } from 'node:path';
import { emptyFacts, Hyper2kvmError, type Finding, type GuestFacts, type SourceIntegrity, type VmDescription } from '@hyper2kvm/core';
import { openSource } from '@hyper2kvm/disk';
import { NO_USABLE_OS } from '@hyper2kvm/guestfs';
import { GUEST_ROOT_PREFIX } from './open-vm.js';
import { startRun, type CommonRunOptions } from './run-context.js';

export interface InspectOptions extends CommonRunOptions {
  /** Read only the export's descriptors (OVF, VMX) and disk headers: no appliance, seconds instead of tens of seconds. */
  hardwareOnly?: boolean;
}

export interface InspectResult {
  facts: GuestFacts;
  /** How the export was stored and what its manifest check found. */
  source?: { container: string; integrity: SourceIntegrity };
  /** What the export itself calls for (manifest, certificate, snapshots). */
  findings: Finding[];
  /**
   * Why the guest's OS could not be inspected (no OS found, disks missing,
   * an encrypted root): the hardware in `facts.vm` is still reported.
   */
  problem?: { code: string; message: string; exitCode: number };
  applianceLaunches: number;
  timings: Record<string, number>;
}

export async function inspect(options: InspectOptions): Promise<InspectResult> {
  if (options.hardwareOnly) return inspectHardware(options);
  let described: VmDescription | undefined;
  let run;
  try {
    run = await startRun({ ...options, onDisksReady: (vm) => (described = vm) });
  } catch (error) {
    if (described === undefined || !(error instanceof Hyper2kvmError) || !NO_USABLE_OS.has(error.code)) throw error;
    return {
      facts: emptyFacts(described),
      findings: [],
      problem: { code: error.code, message: error.message, exitCode: error.exitCode },
      applianceLaunches: 1,
      timings: {},
    };
  }
  try {
    const integrity = (await run.session.verified) ?? run.session.source?.integrity;
    const source = run.session.source;
    return {
      facts: run.facts,
      ...(source && integrity ? { source: { container: source.container, integrity } } : {}),
      findings: source?.findings ?? [],
      applianceLaunches: run.session.applianceLaunches,
      timings: run.timings,
    };
  } finally {
    await run.dispose();
  }
}

/** The VM as its descriptors describe it, without launching the appliance or copying anything (a compressed export is read up to its OVF). */
async function inspectHardware(options: InspectOptions): Promise<InspectResult> {
  const cwd = options.cwd ?? process.cwd();
  if (options.guestRoot !== undefined || options.sources.some((source) => source.startsWith(GUEST_ROOT_PREFIX))) {
    throw new Hyper2kvmError('USAGE', 'inspect --hardware-only: a guest root folder has no hardware description');
  }
  const started = performance.now();
  const opened = await openSource(
    options.sources.map((source) => resolve(cwd, source)),
    { describeOnly: true },
  );
  try {
    return {
      facts: emptyFacts(opened.vm),
      source: { container: opened.container, integrity: opened.integrity.summary },
      findings: opened.findings,
      applianceLaunches: 0,
      timings: { source: Math.round(performance.now() - started) },
    };
  } finally {
    await opened.dispose();
  }
}
