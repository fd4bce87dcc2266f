/**
 * Programmatic `migrate`: inspect → plan → fixOffline → convert → emit
 * (→ verify) with one appliance. The CLI is a thin layer over this.
 */
import { mkdirSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import {
  BlockedError,
  CORE_VERSION,
  Hyper2kvmError,
  isBlocked,
  planToJson,
  summarizeError,
  timed,
  type ConvertJob,
  type EmittedFile,
  type OutputDisk,
  type Plan,
  type ProgressEvent,
  type VerifyResult,
  type VmDescription,
  type Hyper2kvmConfig,
} from '@hyper2kvm/core';
import { StagedConversion, convertDisk } from '@hyper2kvm/disk';
import { writeFileAtomic } from './atomic-write.js';
import { jsonText } from '../output.js';
import { blockedMessage } from './blocked-message.js';
import { renderReportMarkdown, type RunReport } from './report.js';
import { planRun, resolveSources, startRun, type CommonRunOptions, type RunContext } from './run-context.js';

export interface MigrateOptions extends CommonRunOptions {
  /** Output folder; created if missing. */
  outputDir: string;
  /** VM name for output files; default: the OVF/VMX name, else the first disk's base name. */
  name?: string;
  /** Overrides the config's output format. */
  format?: 'qcow2' | 'raw';
  compress?: boolean;
  /** Overrides the config's `output.checksum`: SHA-256 of each output disk in the report. */
  checksum?: boolean;
  /** Stop after planning; nothing is written except nothing. */
  dryRun?: boolean;
  /** Boot the result headless and report whether it came up. */
  verify?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** Called with the plan once it is made (before anything is written). */
  onPlan?: (plan: Plan) => void;
}

const CONVERTER = '@hyper2kvm/core:qemu-img-convert';

function defaultName(vmName: string | undefined, sources: string[]): string {
  const fromVm = vmName?.trim();
  const raw = fromVm || basename(sources[0] ?? 'vm', extname(sources[0] ?? 'vm'));
  // Output file names must stay inside the output folder.
  return raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'vm';
}

/** Runs a whole migration and returns the report (also written as report.json/report.md unless dry run). */
export async function migrate(options: MigrateOptions): Promise<RunReport> {
  const startedAt = new Date().toISOString();
  const outputDir = resolve(options.cwd ?? process.cwd(), options.outputDir);
  /** The VM's name once the source is open, on every event from then on. */
  let vmName: string | undefined;
  const progress = (event: ProgressEvent): void => options.onProgress?.(vmName === undefined || event.vm !== undefined ? event : { ...event, vm: vmName });
  progress({ step: 'open', message: 'opening the source' });
  // The bulk copy of each disk starts as soon as the source is open and
  // overlaps launch, inspection, planning and the fix (see StagedConversion).
  const staged = new Map<number, StagedConversion>();
  const cancelStaged = async (): Promise<void> => {
    await Promise.all([...staged.values()].map((conversion) => conversion.cancel()));
  };
  const startStaged = (vm: VmDescription, config: Hyper2kvmConfig): void => {
    if (options.dryRun) return;
    const format = options.format ?? config.output.format;
    const stagedName = options.name ?? defaultName(vm.name, options.sources);
    vmName = stagedName;
    mkdirSync(outputDir, { recursive: true });
    vm.disks.forEach((disk, index) => {
      staged.set(
        index,
        StagedConversion.start({
          source: disk,
          to: join(outputDir, `${stagedName}-disk${index + 1}.${format}`),
          format,
          compress: options.compress ?? config.output.compress,
          parallel: { coroutines: config.parallelism.convertCoroutines },
          onProgress: (percent) => progress({ step: 'copy', disk: index + 1, percent, bytesTotal: disk.virtualSize, message: 'bulk copy of the source' }),
        }),
      );
    });
  };
  const outputExisted = await stat(outputDir).then(
    () => true,
    () => false,
  );
  let run: RunContext;
  try {
    run = await startRun({ ...options, onProgress: progress, onDisksReady: startStaged });
  } catch (error) {
    await cancelStaged();
    if (isSourceRefusal(error)) await removeIfOnlyLog(outputDir, outputExisted);
    throw error;
  }
  const name = options.name ?? defaultName(run.session.vm?.name, options.sources);
  vmName = name;
  const active = new Set(run.engine.activePlugins);
  const report: RunReport = {
    tool: { name: 'hyper2kvm', version: CORE_VERSION },
    status: 'failed',
    name,
    startedAt,
    finishedAt: startedAt,
    source: {
      files: resolveSources(options, options.cwd ?? process.cwd()),
      container: run.session.source?.container ?? 'guest-root',
      disks: (run.session.vm?.disks ?? []).map(({ path, format, virtualSize, chain }) => ({ path, format, virtualSize, ...(chain ? { chain } : {}) })),
      integrity: run.session.source?.integrity ?? { verification: 'none', checks: [] },
    },
    facts: run.facts,
    plugins: run.plugins.map(({ plugin }) => ({ name: plugin.name, version: plugin.version, active: active.has(plugin.name) })),
    plan: null,
    timings: run.timings,
    applianceLaunches: run.session.applianceLaunches,
    outputs: [],
    emitted: [],
    verify: null,
    error: null,
  };
  let plan: Plan | null = null;
  const writeReport = async (): Promise<void> => {
    report.finishedAt = new Date().toISOString();
    // Deferred actions add findings about what they did while the plan is applied.
    if (plan) report.plan = planToJson(plan);
    await mkdir(outputDir, { recursive: true });
    await writeFileAtomic(join(outputDir, 'report.json'), jsonText(report));
    await writeFileAtomic(join(outputDir, 'report.md'), renderReportMarkdown(report, plan));
  };
  try {
    progress({ step: 'plan' });
    plan = await planRun(run);
    // Nothing is written (report included) before the export is known to be intact.
    report.source.integrity = (await run.session.verified) ?? report.source.integrity;
    report.plan = planToJson(plan);
    options.onPlan?.(plan);
    if (options.dryRun) {
      report.status = 'planned';
      report.finishedAt = new Date().toISOString();
      return report;
    }
    if (isBlocked(plan)) {
      await cancelStaged();
      report.status = 'blocked';
      const blocked = new BlockedError(blockedMessage(name, plan.findings));
      report.error = { code: blocked.code, message: blocked.message };
      await writeReport();
      throw blocked;
    }
    await mkdir(outputDir, { recursive: true });
    progress({ step: 'fix' });
    const facts = run.facts;
    const appliedPlan = plan;
    // The engine adds fix.changes, fix.fixOffline and fix.action:<key> (initramfs rebuild, grub…) beside fix.
    await timed(run.timings, 'fix', () =>
      run.engine.fix(run.session.guest, facts, appliedPlan, {
        backupDir: join(outputDir, 'backup'),
        timings: run.timings,
        onProgress: progress,
        ...(run.session.registry ? { registry: run.session.registry } : {}),
      }),
    );
    progress({ step: 'release', message: 'trimming the overlays and shutting the appliance down' });
    await timed(run.timings, 'release', () => run.session.release());

    const format = options.format ?? run.config.output.format;
    const compress = options.compress ?? run.config.output.compress;
    const jobs: ConvertJob[] = run.session.overlays.map((overlay, index) => ({
      index,
      overlayPath: overlay.path,
      outputPath: join(outputDir, `${name}-disk${index + 1}.${format}`),
    }));
    const outputs: OutputDisk[] = [];
    report.outputs = outputs;
    run.engine.builtInHooks(CONVERTER).convert.tapPromise(CONVERTER, async (context) => {
      for (const job of context.jobs) {
        if (context.outputs.some((output) => output.index === job.index)) continue; // a plugin converted it
        const overlay = run.session.overlays[job.index]!;
        const early = staged.get(job.index);
        let result: { path: string; bytes: number; sha256: string };
        const checksum = options.checksum ?? run.config.output.checksum;
        if (early && context.format === format && context.compress === compress) {
          context.progress({ step: 'convert', disk: job.index + 1, percent: 0, message: 'folding the repairs into the copy' });
          const finished = await early.finish(job.overlayPath, { checksum });
          staged.delete(job.index);
          run.timings[`copy${job.index + 1}`] = finished.stagedTimings.copy;
          run.timings[`copySyncWait${job.index + 1}`] = finished.stagedTimings.copySyncWait;
          run.timings[`commit${job.index + 1}`] = finished.stagedTimings.commit;
          run.timings[`checksum${job.index + 1}`] = finished.stagedTimings.checksum;
          context.progress({ step: 'convert', disk: job.index + 1, percent: 100, message: 'folding the repairs into the copy' });
          result = finished;
        } else {
          await early?.cancel();
          result = await convertDisk({
            from: job.overlayPath,
            fromFormat: 'qcow2',
            to: job.outputPath,
            format: context.format,
            compress: context.compress,
            parallel: { coroutines: run.config.parallelism.convertCoroutines },
            checksum,
            onProgress: (percent) => context.progress({ step: 'convert', disk: job.index + 1, percent, bytesTotal: overlay.virtualSize }),
          });
        }
        context.outputs.push({
          index: job.index,
          path: result.path,
          format: context.format,
          bytes: result.bytes,
          virtualSize: overlay.virtualSize,
          ...(result.sha256 ? { sha256: result.sha256 } : {}),
        });
      }
    });
    progress({ step: 'convert', percent: 0 });
    await timed(run.timings, 'convert', () => run.engine.convert({ facts, jobs, format, compress, outputs, progress, logger: run.logger }));
    outputs.sort((a, b) => a.index - b.index);

    progress({ step: 'emit' });
    const emitted: EmittedFile[] = [];
    report.emitted = emitted;
    await timed(run.timings, 'emit', () =>
      run.engine.emit({
        name,
        outputDir,
        networkMap: run.networkMap,
        facts,
        plan: appliedPlan,
        outputs: report.outputs,
        emitted,
        logger: run.logger,
        writeOutput: async (fileName, content, description, plugin = 'unknown') => {
          const target = join(outputDir, basename(fileName));
          await writeFileAtomic(target, content);
          emitted.push({ path: target, plugin, description });
          return target;
        },
      }),
    );

    if (options.verify) {
      progress({ step: 'verify' });
      const context: { result?: VerifyResult } & Parameters<typeof run.engine.verify>[0] = {
        name,
        outputDir,
        facts,
        outputs: report.outputs,
        logger: run.logger,
      };
      await timed(run.timings, 'verify', () => run.engine.verify(context));
      if (!context.result) throw new Hyper2kvmError('NO_VERIFIER', 'verify was asked for but no enabled plugin verifies boots');
      report.verify = context.result;
    }
    report.status = 'converted';
    await writeReport();
    return report;
  } catch (error) {
    await cancelStaged();
    // A failed migration leaves no disk under a final name: a half-repaired VM must not look usable.
    await Promise.all(report.outputs.map((output) => rm(output.path, { force: true })));
    await Promise.all(report.emitted.map((file) => rm(file.path, { force: true })));
    if (isSourceRefusal(error)) {
      await removeIfOnlyLog(outputDir, outputExisted);
      throw error;
    }
    if (report.status !== 'blocked') {
      report.status = 'failed';
      const { code, message } = summarizeError(error);
      report.error = { code, message };
      if (!options.dryRun) await writeReport().catch(() => undefined);
    }
    throw error;
  } finally {
    await run.dispose();
  }
}

/** The export failed its integrity check: the run is refused before anything is written. */
function isSourceRefusal(error: unknown): boolean {
  return error instanceof Hyper2kvmError && error.code === 'CHECKSUM_MISMATCH';
}

/** Removes an output folder this run created when it holds nothing but the run's log. */
async function removeIfOnlyLog(outputDir: string, existedBefore: boolean): Promise<void> {
  if (existedBefore) return;
  const entries = await readdir(outputDir).catch(() => undefined);
  if (entries !== undefined && entries.every((entry) => entry === 'hyper2kvm.log')) await rm(outputDir, { recursive: true, force: true });
}
