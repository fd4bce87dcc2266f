/** The plan as a JSON document (`hyper2kvm plan --json`, report.json). */
import type { Change, Plan, RegistryValue } from './changes.js';

/** File content in JSON: text when it is valid UTF-8, base64 otherwise. */
export type EncodedContent = { encoding: 'utf8'; data: string } | { encoding: 'base64'; data: string };

export function encodeContent(content: Buffer): EncodedContent {
  const text = content.toString('utf8');
  return Buffer.from(text, 'utf8').equals(content) ? { encoding: 'utf8', data: text } : { encoding: 'base64', data: content.toString('base64') };
}

function encodeRegistryValue(value: RegistryValue): unknown {
  switch (value.type) {
    case 'REG_QWORD':
      return { type: value.type, data: value.data.toString() };
    case 'REG_BINARY':
      return { type: value.type, data: Buffer.from(value.data).toString('hex') };
    default:
      return value;
  }
}

function encodeChange(change: Change): Record<string, unknown> {
  switch (change.kind) {
    case 'file.write':
      return { ...change, before: change.before === null ? null : encodeContent(change.before), after: encodeContent(change.after) };
    case 'file.delete':
      return { ...change, before: change.before === null ? null : encodeContent(change.before) };
    case 'registry.set':
      return { ...change, value: encodeRegistryValue(change.value) };
    default:
      return { ...change };
  }
}

/** JSON-safe form of a plan; stable field order for diffing plans. */
export function planToJson(plan: Plan): {
  changes: Record<string, unknown>[];
  actions: Plan['actions'];
  findings: Plan['findings'];
  network?: NonNullable<Plan['network']>;
  blocked: boolean;
} {
  return {
    changes: plan.changes.map(encodeChange),
    actions: plan.actions,
    findings: plan.findings,
    ...(plan.network ? { network: plan.network } : {}),
    blocked: plan.findings.some((finding) => finding.severity === 'error'),
  };
}
