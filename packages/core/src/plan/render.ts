/** The plan for people: findings first, then every change as a unified diff or a .reg-like line. */
import { renderNetworkConfigs } from '../network/configured/render.js';
import { createTwoFilesPatch } from 'diff';
import type { Change, Plan, RegistryValue } from './changes.js';

const hiveRoots: Record<string, string> = {
  SYSTEM: 'HKLM\\SYSTEM',
  SOFTWARE: 'HKLM\\SOFTWARE',
  SAM: 'HKLM\\SAM',
  SECURITY: 'HKLM\\SECURITY',
  DEFAULT: 'HKU\\.DEFAULT',
};

/** One value in .reg-like syntax, readable rather than hex where the type allows. */
export function renderRegistryValue(name: string, value: RegistryValue): string {
  const label = name === '' ? '@' : JSON.stringify(name);
  switch (value.type) {
    case 'REG_SZ':
      return `${label}=${JSON.stringify(value.data)}`;
    case 'REG_EXPAND_SZ':
      return `${label}=expand:${JSON.stringify(value.data)}`;
    case 'REG_MULTI_SZ':
      return `${label}=multi:${value.data.map((item) => JSON.stringify(item)).join(',')}`;
    case 'REG_DWORD':
      return `${label}=dword:${(value.data >>> 0).toString(16).padStart(8, '0')}`;
    case 'REG_QWORD':
      return `${label}=qword:${BigInt(value.data).toString(16).padStart(16, '0')}`;
    case 'REG_BINARY':
      return `${label}=hex:${Buffer.from(value.data)
        .toString('hex')
        .replace(/(..)(?!$)/g, '$1,')}`;
  }
}

function isText(content: Buffer): boolean {
  return !content.includes(0) && Buffer.from(content.toString('utf8'), 'utf8').equals(content);
}

function fileDiff(path: string, before: Buffer | null, after: Buffer | null): string {
  if ((before && !isText(before)) || (after && !isText(after))) {
    return `Binary file ${path}: ${before?.length ?? 0} → ${after?.length ?? 0} bytes\n`;
  }
  const patch = createTwoFilesPatch(
    before ? `a${path}` : '/dev/null',
    after ? `b${path}` : '/dev/null',
    before?.toString('utf8') ?? '',
    after?.toString('utf8') ?? '',
    undefined,
    undefined,
    { context: 3 },
  );
  // Drop jsdiff's "====" banner line; keep the ---/+++ headers.
  return patch
    .split('\n')
    .filter((line) => !/^=+$/.test(line))
    .join('\n');
}

export function renderChange(change: Change): string {
  const origin = `# ${change.plugin}: ${change.reason}\n`;
  switch (change.kind) {
    case 'file.write':
      return origin + fileDiff(change.path, change.before, change.after);
    case 'file.delete':
      return origin + `delete ${change.path}\n`;
    case 'file.rename':
      return origin + `rename ${change.from} → ${change.to}\n`;
    case 'file.chmod':
      return origin + `chmod ${change.mode.toString(8)} ${change.path}\n`;
    case 'dir.create':
      return origin + `mkdir ${change.path}\n`;
    case 'symlink.create':
      return origin + `symlink ${change.path} → ${change.target}\n`;
    case 'upload':
      return origin + `upload ${change.hostPath} → ${change.guestPath}\n`;
    case 'registry.set':
      return origin + `[${hiveRoots[change.hive]}\\${change.key}]\n${renderRegistryValue(change.name, change.value)}\n`;
    case 'registry.deleteKey':
      return origin + `[-${hiveRoots[change.hive]}\\${change.key}]\n`;
    case 'registry.deleteValue':
      return origin + `[${hiveRoots[change.hive]}\\${change.key}]\n${change.name === '' ? '@' : JSON.stringify(change.name)}=-\n`;
  }
}

/** The whole plan as text for a terminal or report.md. */
export function renderPlan(plan: Plan): string {
  const sections: string[] = [];
  const counts = { error: 0, warning: 0, info: 0 };
  for (const finding of plan.findings) counts[finding.severity]++;
  sections.push(
    `Plan: ${plan.changes.length} change(s), ${plan.actions.length} deferred action(s), ${counts.error} error(s), ${counts.warning} warning(s), ${counts.info} note(s)`,
  );
  if (plan.findings.length > 0) {
    sections.push(
      'Findings:\n' +
        plan.findings
          .map(
            (finding) =>
              `  ${finding.severity.toUpperCase().padEnd(7)} ${finding.plugin} ${finding.rule}: ${finding.message}${finding.hint ? `\n          hint: ${finding.hint}` : ''}`,
          )
          .join('\n'),
    );
  }
  if (plan.changes.length > 0) sections.push('Changes:\n' + plan.changes.map(renderChange).join('\n'));
  if (plan.network && plan.network.length > 0)
    sections.push('Network on KVM (the files as this plan leaves them):\n' + renderNetworkConfigs(plan.network, '  ').join('\n'));
  if (plan.actions.length > 0) {
    sections.push(
      'Deferred actions (run once, after the file changes):\n' +
        plan.actions
          .map(
            (action) =>
              `  ${action.key} (requested by ${action.requestedBy.join(', ')})${Object.keys(action.params).length ? ' ' + JSON.stringify(action.params) : ''}`,
          )
          .join('\n'),
    );
  }
  return sections.join('\n\n') + '\n';
}
