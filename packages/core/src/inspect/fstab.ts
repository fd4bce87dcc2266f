/** fstab parsing that keeps every line, so rewriting a field leaves the rest byte for byte. */

export interface FstabEntry {
  spec: string;
  mountpoint: string;
  type: string;
  options: string;
  dump: string;
  pass: string;
  /** Index of the line in the file. */
  line: number;
}

/** Entries of an fstab/crypttab-like file (comments and blank lines skipped). */
export function parseFstab(text: string): FstabEntry[] {
  const entries: FstabEntry[] = [];
  text.split('\n').forEach((raw, line) => {
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const [spec = '', mountpoint = '', type = '', options = 'defaults', dump = '0', pass = '0'] = trimmed.split(/\s+/);
    entries.push({ spec, mountpoint, type, options, dump, pass, line });
  });
  return entries;
}

/** Replaces the first field of line `line`, keeping the original spacing of the rest. */
export function replaceFirstField(text: string, line: number, value: string): string {
  const lines = text.split('\n');
  const original = lines[line];
  if (original === undefined) return text;
  lines[line] = original.replace(/^(\s*)(\S+)/, (_all, indent: string) => `${indent}${value}`);
  return lines.join('\n');
}
