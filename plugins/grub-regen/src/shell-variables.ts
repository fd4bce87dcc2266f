/**
 * In-place edits of shell-style `NAME=value` files (`/etc/default/grub`,
 * `/etc/update-extlinux.conf`): the line of the last active assignment is
 * rewritten and everything else is kept byte for byte.
 */

export interface Assignment {
  /** Line index in `text.split('\n')`. */
  index: number;
  /** `GRUB_TERMINAL=` with any indentation or `export`. */
  prefix: string;
  /** Opening and closing quote (`"`, `'` or none). */
  quote: string;
  value: string;
  /** Whatever followed the value on the line (a comment, spaces). */
  rest: string;
}

/** The assignment that wins (the last one), or `null`. */
export function findAssignment(text: string, name: string): Assignment | null {
  const lines = text.split('\n');
  const pattern = new RegExp(`^(\\s*(?:export\\s+)?${name}=)(?:"([^"]*)"|'([^']*)'|([^\\s#]*))(.*)$`);
  for (let index = lines.length - 1; index >= 0; index--) {
    const match = pattern.exec(lines[index]!);
    if (!match) continue;
    const quote = match[2] !== undefined ? '"' : match[3] !== undefined ? "'" : '';
    return { index, prefix: match[1]!, quote, value: match[2] ?? match[3] ?? match[4] ?? '', rest: match[5] ?? '' };
  }
  return null;
}

/** Rewrites the winning assignment's value (keeping its quotes), or appends one under `comment`. */
export function setVariable(text: string, name: string, value: string, comment: string): string {
  const found = findAssignment(text, name);
  if (found === null) return appendLines(text, comment, [`${name}="${value}"`]);
  const lines = text.split('\n');
  // A value with spaces needs quotes to stay one value.
  const quote = found.quote === '' && /\s/.test(value) ? '"' : found.quote;
  lines[found.index] = `${found.prefix}${quote}${value}${quote}${found.rest}`;
  return lines.join('\n');
}

/** Removes every active assignment of `name` whose value matches. */
export function removeAssignments(text: string, name: string, value: RegExp): string {
  const pattern = new RegExp(`^\\s*(?:export\\s+)?${name}=(?:"([^"]*)"|'([^']*)'|([^\\s#]*))`);
  return text
    .split('\n')
    .filter((line) => {
      const match = pattern.exec(line);
      return !match || !value.test(match[1] ?? match[2] ?? match[3] ?? '');
    })
    .join('\n');
}

/** Appends lines under a comment, after a final newline. */
export function appendLines(text: string, comment: string, lines: string[]): string {
  const base = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `${base}# ${comment}\n${lines.join('\n')}\n`;
}
