/**
 * One VM of a batch, in isolation: its own output folder, log, scratch
 * space and appliance. Whatever happens, the VM ends with an outcome and a
 * report.json saying why; nothing it throws reaches the other VMs.
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BlockedError,
  CORE_VERSION,
  createRunLogger,
  Hyper2kvmError,
  summarizeError,
  type Finding,
  type GuestFacts,
  type ProgressEvent,
} from '@hyper2kvm/core';
import { writeFileAtomic } from '../api/atomic-write.js';
import { migrate } from '../api/migrate.js';
import { renderReportMarkdown, type RunReport } from '../api/report.js';
import { sha256File } from './hash.js';
import type { BatchGroup, BatchVm } from './sources.js';
import type { RecordedOutput } from './state.js';

export type VmOutcomeStatus = 'converted' | 'failed' | 'blocked' | 'planned';

export interface VmOutcome {
  status: VmOutcomeStatus;
  ms: number;
  startedAt: string;
  finishedAt: string;
  /** report.json of the VM (absent in a dry run). */
  reportPath?: string;
  /** Disks and emitted files with their sha256 (converted VMs). */
  outputs: RecordedOutput[];
  /** Bytes of the converted disks. */
  diskBytes: number;
  os?: string;
  error?: { code: string; message: string };
  /** The plan's findings (every run that got as far as planning). */
  findings: Finding[];
}

export interface RunVmOptions {
  vm: BatchVm;
  group: BatchGroup;
  /** Folder config search starts from (the batch file's folder). */
  cwd: string;
  configFile?: string;
  dryRun: boolean;
  /** Whether this batch made the VM's output folder before (it may then be emptied). */
  ownsOutputDir: boolean;
  verbose: boolean;
  onProgress: (event: ProgressEvent) => void;
}

/** `Ubuntu 22.04.3 LTS`; `debian 11.8` when the product name is a bare version; else the OS type. */
export function describeOs(facts: GuestFacts | null | undefined): string | undefined {
  if (!facts) return undefined;
  const product = facts.os.productName;
  if (product && /[A-Za-z]/.test(product)) return product;
  if (facts.linux) return `${facts.linux.distro} ${product ?? `${facts.linux.version.major}.${facts.linux.version.minor}`}`;
  if (product) return product;
  if (facts.windows) return facts.windows.productName;
  return facts.os.type;
}

/**
 * An interrupted earlier run may have left a converted disk, a `.partial`
 * or scratch overlays behind: a VM folder this batch made starts empty again.
 * A folder it did not make is never emptied.
 */
async function prepareOutputDir(vm: BatchVm, ownsOutputDir: boolean): Promise<void> {
  const entries = await readdir(vm.outputDir).catch(() => null);
  if (entries && entries.length > 0) {
    if (!ownsOutputDir)
      throw new Hyper2kvmError(
        'OUTPUT_NOT_EMPTY',
        `${vm.outputDir}: the output folder is not empty and was not made by this batch; remove it or change output_dir`,
      );
    await Promise.all(entries.map((entry) => rm(join(vm.outputDir, entry), { recursive: true, force: true })));
  }
  await mkdir(vm.outputDir, { recursive: true });
}

/** A report for a VM that failed before migrate could write its own (e.g. an unreadable source). */
async function writeFailureReport(vm: BatchVm, startedAt: string, error: { code: string; message: string }): Promise<string> {
  const report: RunReport = {
    tool: { name: 'hyper2kvm', version: CORE_VERSION },
    status: 'failed',
    name: vm.name,
    startedAt,
    finishedAt: new Date().toISOString(),
    source: { files: vm.sources, container: 'unknown', disks: [], integrity: { verification: 'none', checks: [] } },
    facts: null,
    plugins: [],
    plan: null,
    timings: {},
    applianceLaunches: 0,
    outputs: [],
    emitted: [],
    verify: null,
    error,
  };
  const path = join(vm.outputDir, 'report.json');
  await mkdir(vm.outputDir, { recursive: true });
  await writeFileAtomic(path, JSON.stringify(report, null, 2) + '\n');
  await writeFileAtomic(join(vm.outputDir, 'report.md'), renderReportMarkdown(report, null));
  return path;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Migrates (or, in a dry run, plans) one VM and says how it ended. Never throws. */
export async function runVm(options: RunVmOptions): Promise<VmOutcome> {
  const { vm, group } = options;
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const workDir = join(vm.outputDir, '.work');
  let report: RunReport | null = null;
  let findings: Finding[] = [];
  let error: { code: string; message: string } | undefined;
  let status: VmOutcomeStatus = 'failed';
  try {
    if (!options.dryRun) {
      await prepareOutputDir(vm, options.ownsOutputDir);
      await mkdir(workDir, { recursive: true });
    }
    const logger = createRunLogger({ console: null, verbose: options.verbose, ...(options.dryRun ? {} : { file: join(vm.outputDir, 'hyper2kvm.log') }) });
    report = await migrate({
      sources: vm.sources,
      cwd: options.cwd,
      outputDir: vm.outputDir,
      logger,
      dryRun: options.dryRun,
      // The state file proves a VM done by its outputs' checksums, so a later run can skip it.
      checksum: true,
      onProgress: options.onProgress,
      onPlan: (plan) => {
        findings = [...plan.findings];
      },
      ...(options.dryRun ? {} : { workDir }),
      ...(options.configFile ? { configFile: options.configFile } : {}),
      ...(group.plugins ? { plugins: group.plugins } : {}),
      ...(group.format ? { format: group.format } : {}),
      ...(group.compress !== undefined ? { compress: group.compress } : {}),
    });
    status = report.status === 'planned' ? (report.plan?.blocked ? 'blocked' : 'planned') : report.status;
  } catch (thrown) {
    status = thrown instanceof BlockedError ? 'blocked' : 'failed';
    const { code, message } = summarizeError(thrown);
    error = { code, message };
  } finally {
    if (!options.dryRun) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
  let reportPath: string | undefined;
  if (!options.dryRun) {
    reportPath = join(vm.outputDir, 'report.json');
    if (error && !(await exists(reportPath))) reportPath = await writeFailureReport(vm, startedAt, error).catch(() => undefined);
  }
  const outputs: RecordedOutput[] = [];
  let diskBytes = 0;
  if (report && status === 'converted') {
    for (const disk of report.outputs) {
      outputs.push({ path: disk.path, bytes: disk.bytes, sha256: disk.sha256 ?? (await sha256File(disk.path)) });
      diskBytes += disk.bytes;
    }
    for (const file of report.emitted) outputs.push({ path: file.path, bytes: (await stat(file.path)).size, sha256: await sha256File(file.path) });
  }
  // A blocked or failed run threw, but migrate may still have written what it found.
  if (!report && reportPath)
    report = await readFile(reportPath, 'utf8').then(
      (text) => JSON.parse(text) as RunReport,
      () => null,
    );
  const os = describeOs(report?.facts);
  return {
    status,
    ms: Math.round(performance.now() - started),
    startedAt,
    finishedAt: new Date().toISOString(),
    outputs,
    diskBytes,
    findings,
    ...(reportPath ? { reportPath } : {}),
    ...(os ? { os } : {}),
    ...(error ? { error } : {}),
  };
}
