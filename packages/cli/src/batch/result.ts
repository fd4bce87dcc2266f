/** The outcome of a batch: one entry per VM, the combined findings, the exit code. */
import type { Finding } from '@hyper2kvm/core';

/** `skipped`: converted by an earlier run, outputs verified; `pending`: never started (the batch was stopped). */
export type BatchOutcomeStatus = 'converted' | 'skipped' | 'failed' | 'blocked' | 'planned' | 'pending';

export interface BatchVmResult {
  id: string;
  group: string;
  name: string;
  sources: string[];
  outputDir: string;
  status: BatchOutcomeStatus;
  /** Wall time of the run that produced the outputs (for skipped VMs: the earlier run). */
  ms: number;
  os?: string;
  diskBytes: number;
  reportPath?: string;
  error?: { code: string; message: string };
  findings: Finding[];
}

/** One finding rule over all VMs of a dry run. */
export interface CombinedFinding {
  severity: Finding['severity'];
  plugin: string;
  rule: string;
  /** The first VM's message. */
  message: string;
  vms: string[];
}

export interface BatchResult {
  vms: BatchVmResult[];
  /** Patterns that matched nothing, and similar notes. */
  warnings: string[];
  /** null in a dry run. */
  statePath: string | null;
  counts: Record<BatchOutcomeStatus, number>;
  findings: CombinedFinding[];
  ms: number;
  /** 1 if any VM failed (or never started), else 3 if any was blocked, else 0. */
  exitCode: number;
}

export function countStatuses(vms: { status: BatchOutcomeStatus }[]): Record<BatchOutcomeStatus, number> {
  const counts: Record<BatchOutcomeStatus, number> = { converted: 0, skipped: 0, failed: 0, blocked: 0, planned: 0, pending: 0 };
  for (const vm of vms) counts[vm.status]++;
  return counts;
}

/** Exit code rule: any failure wins over a block; a VM that never ran counts as a failure. */
export function exitCodeOf(counts: Record<BatchOutcomeStatus, number>): number {
  if (counts.failed > 0 || counts.pending > 0) return 1;
  if (counts.blocked > 0) return 3;
  return 0;
}

/** Findings of every VM merged by plugin and rule, errors first. */
export function combineFindings(vms: BatchVmResult[]): CombinedFinding[] {
  const byRule = new Map<string, CombinedFinding>();
  for (const vm of vms) {
    for (const finding of vm.findings) {
      const key = `${finding.severity}\u0000${finding.plugin}\u0000${finding.rule}`;
      const entry = byRule.get(key) ?? { severity: finding.severity, plugin: finding.plugin, rule: finding.rule, message: finding.message, vms: [] };
      if (!entry.vms.includes(vm.id)) entry.vms.push(vm.id);
      byRule.set(key, entry);
    }
  }
  const order = { error: 0, warning: 1, info: 2 } as const;
  return [...byRule.values()].sort((a, b) => order[a.severity] - order[b.severity] || b.vms.length - a.vms.length || a.rule.localeCompare(b.rule));
}
