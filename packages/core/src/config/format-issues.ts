/** zod issues as one line each: `file: path: expected …, got …`. */
import type { z } from 'zod';

/** `plugins[2].options.storage` from `['plugins', 2, 'options', 'storage']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  const got = valueAt(data, issue.path);
  switch (issue.code) {
    case 'invalid_value':
      if (got === undefined) return `missing, expected ${issue.values.map((value) => JSON.stringify(value)).join(' | ')}`;
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' | ')}, got ${describeValue(got)}`;
    case 'invalid_type':
      return got === undefined ? `required ${issue.expected} is missing` : `expected ${issue.expected}, got ${describeValue(got)}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
    case 'invalid_union':
      return `${issue.message}, got ${describeValue(got)}`;
    case 'too_small':
    case 'too_big':
      return `${issue.message}, got ${describeValue(got)}`;
    default:
      return issue.message;
  }
}

/**
 * One line per problem. `prefix` is prepended to each issue's path, e.g.
 * `['plugins', 2, 'options']` for a plugin's own options.
 */
export function formatIssues(file: string, issues: readonly z.core.$ZodIssue[], data: unknown, prefix: readonly PropertyKey[] = []): string[] {
  return issues.map((issue) => {
    const path = formatPath([...prefix, ...issue.path]);
    return `${file}: ${path ? `${path}: ` : ''}${describeIssue(issue, data)}`;
  });
}
