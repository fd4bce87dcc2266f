/** The run report: report.json for machines, report.md for people. */
import {
  formatBytes,
  renderChange,
  renderNetworkConfigs,
  renderPlan,
  type EmittedFile,
  type GuestFacts,
  type OutputDisk,
  type Plan,
  type SourceIntegrity,
  type VerifyResult,
} from '@hyper2kvm/core';
import type { planToJson } from '@hyper2kvm/core';

export type RunStatus = 'converted' | 'failed' | 'blocked' | 'planned';

export interface RunReport {
  tool: { name: 'hyper2kvm'; version: string };
  status: RunStatus;
  name: string;
  startedAt: string;
  finishedAt: string;
  source: {
    files: string[];
    /** How the export was stored: `tar`, `zip`, `tar.gzip`, `folder`, `vmx`, `disks`, `guest-root`. */
    container: string;
    disks: { path: string; format: string; virtualSize: number; chain?: string[] }[];
    /** The manifest check: what was compared, and whether it was skipped. */
    integrity: SourceIntegrity;
  };
  facts: GuestFacts | null;
  plugins: { name: string; version: string; active: boolean }[];
  plan: ReturnType<typeof planToJson> | null;
  /** Wall time per step in milliseconds; `fix.*` keys split `fix` into its parts (see `fixTimingKey` in @hyper2kvm/core). */
  timings: Record<string, number>;
  applianceLaunches: number;
  outputs: OutputDisk[];
  emitted: EmittedFile[];
  verify: VerifyResult | null;
  error: { code: string; message: string } | null;
}

/** One line on the export's integrity, for people. */
export function describeIntegrity(integrity: SourceIntegrity): string {
  const manifest = integrity.manifest ? ` against ${integrity.manifest}` : '';
  const certificate = integrity.certificate ? `; signed (${integrity.certificate.name}), signature not checked` : '';
  const states: Record<SourceIntegrity['verification'], string> = {
    verified: `${integrity.checks.length} file(s) verified${manifest}`,
    skipped: `checksum verification SKIPPED (--no-verify-checksums): ${integrity.checks.length} file(s) listed${manifest} not checked`,
    'not-checked': integrity.manifest
      ? `${integrity.checks.length} file(s) listed${manifest}, not checked by this command`
      : 'not checked by this command (only the descriptors were read)',
    'no-manifest': 'no manifest: files not checked',
    none: 'not a package (no manifest to check)',
  };
  return states[integrity.verification] + certificate;
}

/** report.md: a summary first, then the changes as diffs, then findings with hints. */
export function renderReportMarkdown(report: RunReport, plan: Plan | null): string {
  const out: string[] = [];
  out.push(`# hyper2kvm report: ${report.name}`, '');
  out.push(`- **Status:** ${report.status}${report.error ? ` — ${report.error.message}` : ''}`);
  const facts = report.facts;
  if (facts)
    out.push(
      `- **Guest:** ${facts.os.productName ?? facts.os.type} (${facts.os.arch}), firmware ${facts.firmware}${facts.os.hostname ? `, hostname ${facts.os.hostname}` : ''}`,
    );
  out.push(`- **Source:** ${report.source.files.join(', ')} (${report.source.container})`);
  out.push(`- **Integrity:** ${describeIntegrity(report.source.integrity)}`);
  for (const disk of report.source.disks)
    if (disk.chain)
      out.push(`- **Snapshot chain:** ${disk.chain.map((layer) => layer.split('/').pop()).join(' → ')} (newest first; the newest state is migrated)`);
  for (const output of report.outputs)
    out.push(
      `- **Disk ${output.index + 1}:** ${output.path} (${output.format}, ${formatBytes(output.bytes)} on disk${output.sha256 ? `, sha256 ${output.sha256.slice(0, 16)}…` : ''})`,
    );
  for (const file of report.emitted) out.push(`- **${file.description}:** ${file.path}`);
  if (report.verify)
    out.push(
      `- **Verify:** ${report.verify.booted ? 'booted' : 'did not boot'}, network ${report.verify.network ? `up (${report.verify.addresses.join(', ')})` : 'down'}`,
    );
  out.push(`- **Appliance launches:** ${report.applianceLaunches}`);
  out.push(
    `- **Time:** ${Object.entries(report.timings)
      .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
  );
  out.push('');
  const before = facts?.linux?.networkConfigs ?? [];
  if (before.length > 0 || (plan?.network?.length ?? 0) > 0) {
    out.push('## Network', '', 'As exported:', '', '```', ...renderNetworkConfigs(before), '```', '');
    if (plan?.network) out.push('On KVM (the files as the plan leaves them):', '', '```', ...renderNetworkConfigs(plan.network), '```', '');
  }
  if (plan) {
    out.push(`## Changes (${plan.changes.length})`, '');
    if (plan.changes.length === 0) out.push('No changes.', '');
    for (const change of plan.changes) out.push('```diff', renderChange(change).trimEnd(), '```', '');
    if (plan.actions.length > 0) {
      out.push('## Deferred actions', '');
      for (const action of plan.actions) out.push(`- \`${action.key}\`, requested by ${action.requestedBy.join(', ')}`);
      out.push('');
    }
    out.push(`## Findings (${plan.findings.length})`, '');
    if (plan.findings.length === 0) out.push('None.', '');
    for (const finding of plan.findings) {
      out.push(`- **${finding.severity}** \`${finding.rule}\` (${finding.plugin}): ${finding.message}${finding.hint ? `  \n  _Hint:_ ${finding.hint}` : ''}`);
    }
    out.push('');
  }
  return out.join('\n');
}

export { renderPlan };
