/** `hyper2kvm doctor` for people: one line per check, with its fix, then the verdict. */
import type { CheckResult } from './check.js';
import type { DoctorReport } from './run-doctor.js';

const MARK: Record<CheckResult['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

/** `warn  KVM            TCG (emulation), KVM not usable: … — fix: …` */
export function doctorLine(check: CheckResult, titleWidth: number): string {
  return `${MARK[check.status]}  ${check.title.padEnd(titleWidth)}  ${check.detail}${check.fix && check.status !== 'ok' ? ` — fix: ${check.fix}` : ''}`;
}

export function renderDoctor(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((check) => check.title.length));
  const failed = report.checks.filter((check) => check.status === 'fail').length;
  const warned = report.checks.filter((check) => check.status === 'warn').length;
  const verdict = report.ready
    ? `A migration can run on this host${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}.`
    : `No migration can run on this host until ${failed === 1 ? 'the failed check is' : `the ${failed} failed checks are`} fixed.`;
  return [...report.checks.map((check) => doctorLine(check, width)), '', verdict].join('\n') + '\n';
}
