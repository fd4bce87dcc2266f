/** The one-line reason a migration was refused, for the error line and report.json. */
import type { Finding } from '@hyper2kvm/core';

/** A finding's text as one sentence: whitespace (newlines too) collapsed, a final stop added. */
function sentence(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return /[.!?]$/.test(line) ? line : `${line}.`;
}

/**
 * `<name>: blocked by error findings, nothing was written.` followed by each
 * error finding's message and, when it has one, `Fix: <hint>` — what is
 * wrong and what to do about it, on one line.
 */
export function blockedMessage(name: string, findings: readonly Finding[]): string {
  const reasons = findings
    .filter((finding) => finding.severity === 'error')
    .map((finding) => (finding.hint ? `${sentence(finding.message)} Fix: ${sentence(finding.hint)}` : sentence(finding.message)));
  return [`${name}: blocked by error findings, nothing was written.`, ...reasons].join(' ');
}
