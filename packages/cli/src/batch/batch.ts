/**
 * Programmatic `batch`: many VMs from a batch file, in groups, in parallel,
 * resumable. See scheduler.ts for the order rule and result.ts for the exit code.
 */
import { basename, extname, join, resolve } from 'node:path';
import { ConfigError, CORE_VERSION, loadPlugins, UsageError } from '@hyper2kvm/core';
import { setupRun } from '../plugins-setup.js';
import type { BatchEvent } from './events.js';
import { combineFindings, countStatuses, exitCodeOf, type BatchResult, type BatchVmResult } from './result.js';
import { runVm } from './run-vm.js';
import { runScheduled, stagesOf } from './scheduler.js';
import { loadBatchFile, type LoadedBatchFile } from './schema.js';
import { expandSources, type BatchGroup, type BatchVm } from './sources.js';
import { BatchState, verifyOutputs } from './state.js';

export interface BatchOptions {
  /** The batch file (YAML or JSON), relative to `cwd`. */
  file: string;
  cwd?: string;
  /**
   * Most VMs running at once over all groups. Default: the batch file's
   * `parallel`, else the main config's `parallelism.vms` when it sets one,
   * else no cap beyond each group's own `parallel`.
   */
  parallel?: number;
  /** Continue from the state file: skip VMs whose outputs verify, rerun the rest. */
  resume?: boolean;
  /** Plan every VM; nothing is written, no state file. */
  dryRun?: boolean;
  /** Debug lines in each VM's hyper2kvm.log. */
  verbose?: boolean;
  onEvent?: (event: BatchEvent) => void;
  /** Once aborted, no further VM starts; running ones finish and the rest stay pending. */
  signal?: AbortSignal;
  /** Hands over the state file before any VM starts (the CLI records interrupted VMs from its signal handlers). */
  onState?: (state: BatchState) => void;
}

/** Where a batch keeps its state unless the file names one: beside it, named after it. */
export function defaultStatePath(batch: LoadedBatchFile): string {
  return batch.file.state_file
    ? resolve(batch.baseDir, batch.file.state_file)
    : join(batch.baseDir, `.hyper2kvm-batch-${basename(batch.path, extname(batch.path))}.json`);
}

/** Loads the main config and every group's plugins before any VM starts, so a typo fails the batch at once (exit 2). */
async function checkPlugins(batch: LoadedBatchFile, groups: BatchGroup[], configFile: string | undefined): Promise<{ defaultCap: number | null }> {
  const { loaded } = await setupRun({ cwd: batch.baseDir, ...(configFile ? { configFile } : {}) });
  const problems: string[] = [];
  for (const group of groups) {
    if (!group.plugins) continue;
    try {
      await loadPlugins(group.plugins, { baseDir: batch.baseDir, displayName: batch.displayName, coreVersion: CORE_VERSION });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // loadPlugins names paths from `plugins[…]`; here they live under the group.
      const from = `${batch.displayName}: plugins`;
      problems.push(
        ...error.problems.map((line) => (line.startsWith(from) ? `${batch.displayName}: migrations[${group.index}].plugins${line.slice(from.length)}` : line)),
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const raw = loaded.raw as { parallelism?: { vms?: unknown } } | null;
  return { defaultCap: raw?.parallelism?.vms !== undefined ? loaded.config.parallelism.vms : null };
}

function pendingResult(vm: BatchVm): BatchVmResult {
  return { id: vm.id, group: vm.group, name: vm.name, sources: vm.sources, outputDir: vm.outputDir, status: 'pending', ms: 0, diskBytes: 0, findings: [] };
}

/**
 * Runs a batch file. Every VM ends converted, failed, blocked (or planned in
 * a dry run) without stopping the others; the state file is rewritten after
 * every change. Throws only for a bad batch file, config or usage (exit 2).
 */
export async function batch(options: BatchOptions): Promise<BatchResult> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const emit = options.onEvent ?? (() => undefined);
  const dryRun = options.dryRun === true;
  if (options.parallel !== undefined && !(Number.isInteger(options.parallel) && options.parallel >= 1))
    throw new UsageError(`batch: --parallel must be a whole number of at least 1, got ${String(options.parallel)}`);
  if (dryRun && options.resume) throw new UsageError('batch: --dry-run and --resume do not go together (a dry run writes no state)');

  const batchFile = await loadBatchFile(options.file, cwd);
  const configFile = batchFile.file.config ? resolve(batchFile.baseDir, batchFile.file.config) : undefined;
  const { groups, warnings } = await expandSources(batchFile);
  const { defaultCap } = await checkPlugins(batchFile, groups, configFile);
  const cap = options.parallel ?? batchFile.file.parallel ?? defaultCap;

  const results = new Map<string, BatchVmResult>();
  for (const group of groups) for (const vm of group.vms) results.set(vm.id, pendingResult(vm));

  let state: BatchState | null = null;
  const toRun = new Set<string>();
  if (dryRun) {
    for (const id of results.keys()) toRun.add(id);
  } else {
    const statePath = defaultStatePath(batchFile);
    const earlier = await BatchState.read(statePath);
    if (earlier && !options.resume)
      throw new UsageError(`batch: ${statePath} records an earlier run of this batch: pass --resume to continue it, or delete the file to start over`);
    if (!earlier && options.resume) warnings.push(`no state file at ${statePath}: nothing to resume, every VM runs`);
    state = earlier ?? BatchState.create(statePath, batchFile.path);
    for (const group of groups) {
      for (const vm of group.vms) {
        const record = state.vm(vm.id);
        const problem = record ? await verifyOutputs(record) : 'never ran';
        if (record && problem === null) {
          Object.assign(results.get(vm.id)!, {
            status: 'skipped',
            ms: record.ms ?? 0,
            diskBytes: record.diskBytes ?? 0,
            ...(record.os ? { os: record.os } : {}),
            ...(record.report ? { reportPath: record.report } : {}),
          });
          continue;
        }
        toRun.add(vm.id);
        // A VM found `running` was interrupted by a kill; keep its history, mark it to do.
        state.document.vms[vm.id] = {
          group: vm.group,
          name: vm.name,
          sources: vm.sources,
          outputDir: vm.outputDir,
          status: 'pending',
          attempts: record?.attempts ?? 0,
          outputs: [],
          ...(record?.error ? { error: record.error } : {}),
        };
      }
    }
    await state.save();
    options.onState?.(state);
  }

  emit({
    type: 'batch-start',
    total: results.size,
    toRun: toRun.size,
    skipped: results.size - toRun.size,
    parallel: cap,
    stages: stagesOf(groups).map((stage) => stage.map((group) => group.name)),
    warnings,
    dryRun,
  });
  for (const [id, result] of results)
    if (result.status === 'skipped') emit({ type: 'vm-skip', vm: id, reason: 'converted earlier, outputs verified by sha256' });

  const work = async (vm: BatchVm): Promise<void> => {
    const group = groups.find((candidate) => candidate.name === vm.group)!;
    const previous = state?.vm(vm.id);
    const attempt = (previous?.attempts ?? 0) + 1;
    const startedAt = new Date().toISOString();
    if (state && previous) await state.update(vm.id, { ...previous, status: 'running', attempts: attempt, startedAt, outputs: [] });
    emit({ type: 'vm-start', vm: vm.id, attempt });
    const outcome = await runVm({
      vm,
      group,
      cwd: batchFile.baseDir,
      dryRun,
      // The state knows the VM only if this batch planned it before, so its folder is ours to empty.
      ownsOutputDir: previous !== undefined,
      verbose: options.verbose === true,
      onProgress: (event) =>
        emit({
          type: 'vm-progress',
          vm: vm.id,
          step: event.step,
          ...(event.percent !== undefined ? { percent: event.percent } : {}),
          ...(event.message ? { message: event.message } : {}),
          ...(event.disk !== undefined ? { disk: event.disk } : {}),
          ...(event.action !== undefined ? { action: event.action } : {}),
          ...(event.kernel !== undefined ? { kernel: event.kernel } : {}),
        }),
      ...(configFile ? { configFile } : {}),
    });
    Object.assign(results.get(vm.id)!, {
      status: outcome.status,
      ms: outcome.ms,
      diskBytes: outcome.diskBytes,
      findings: outcome.findings,
      ...(outcome.os ? { os: outcome.os } : {}),
      ...(outcome.reportPath ? { reportPath: outcome.reportPath } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
    });
    if (state && previous && outcome.status !== 'planned') {
      const { error: _earlierError, ...kept } = previous;
      await state.update(vm.id, {
        ...kept,
        status: outcome.status,
        attempts: attempt,
        startedAt: outcome.startedAt,
        finishedAt: outcome.finishedAt,
        ms: outcome.ms,
        outputs: outcome.outputs,
        diskBytes: outcome.diskBytes,
        ...(outcome.reportPath ? { report: outcome.reportPath } : {}),
        ...(outcome.os ? { os: outcome.os } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
      });
    }
    emit({
      type: 'vm-end',
      vm: vm.id,
      status: outcome.status,
      ms: outcome.ms,
      ...(outcome.os ? { os: outcome.os } : {}),
      ...(outcome.error ? { error: outcome.error.message } : {}),
    });
  };

  const schedulable = groups.map((group) => ({ parallel: group.parallel, concurrent: group.concurrent, items: group.vms.filter((vm) => toRun.has(vm.id)) }));
  await runScheduled(schedulable, cap ?? Number.POSITIVE_INFINITY, work, () => !options.signal?.aborted);

  const vms = [...results.values()];
  const counts = countStatuses(vms);
  const exitCode = exitCodeOf(counts);
  const ms = Math.round(performance.now() - started);
  emit({ type: 'batch-end', counts, ms, exitCode });
  return { vms, warnings, statePath: state?.path ?? null, counts, findings: combineFindings(vms), ms, exitCode };
}
