/** The end-of-batch texts for people: the VM table and, for dry runs, the combined findings. */
import type { BatchResult } from './result.js';

export function formatBytes(bytes: number): string {
  if (bytes <= 0) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n') + '\n';
}

/** VM, status, OS, time, output size; then why each failed or blocked VM stopped, and the warnings. */
export function renderSummary(result: BatchResult): string {
  const rows = result.vms.map((vm) => [vm.id, vm.status, vm.os ?? '-', vm.status === 'pending' ? '-' : formatDuration(vm.ms), formatBytes(vm.diskBytes)]);
  const out: string[] = ['', table(['VM', 'STATUS', 'OS', 'TIME', 'OUTPUT'], rows)];
  const problems = result.vms.filter((vm) => vm.error);
  for (const vm of problems) out.push(`${vm.id}: ${vm.status}: ${vm.error!.message}${vm.reportPath ? ` (report: ${vm.reportPath})` : ''}\n`);
  for (const warning of result.warnings) out.push(`warning: ${warning}\n`);
  const counts = Object.entries(result.counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  out.push(`\n${result.vms.length} VM(s): ${counts || 'none'} in ${formatDuration(result.ms)}${result.statePath ? `; state: ${result.statePath}` : ''}\n`);
  return out.join('');
}

/** Every finding rule of a dry run with the VMs it concerns. */
export function renderFindings(result: BatchResult): string {
  if (result.findings.length === 0) return '\nFindings: none.\n';
  const rows = result.findings.map((finding) => [finding.severity, finding.rule, String(finding.vms.length), finding.message]);
  const out = ['\nFindings over all VMs:\n', table(['SEVERITY', 'RULE', 'VMS', 'MESSAGE (first VM)'], rows)];
  for (const finding of result.findings.filter((item) => item.severity === 'error')) out.push(`blocking ${finding.rule}: ${finding.vms.join(', ')}\n`);
  return out.join('');
}
