/**
 * Registry key paths relative to a hive root, written as Windows writes them:
 * `ControlSet001\Services\viostor`. Names are compared the way Windows does,
 * without regard to case.
 */

/** Longest key name Windows accepts, in characters. */
export const MAX_KEY_NAME_LENGTH = 255;

/**
 * Splits a key path into its names. Leading and trailing backslashes are
 * ignored; `''` (or `'\'`) is the hive root and gives `[]`. Forward slashes are
 * not separators (a key name may contain one). Returns an error text for an
 * empty name (`A\\B`), a name with a NUL, or a name longer than 255 characters.
 */
export function splitKeyPath(path: string): string[] | { error: string } {
  const trimmed = path.replace(/^\\+/, '').replace(/\\+$/, '');
  if (trimmed === '') return [];
  const names = trimmed.split('\\');
  for (const name of names) {
    if (name === '') return { error: 'empty key name (two backslashes in a row)' };
    if (name.includes('\0')) return { error: 'key name contains a NUL character' };
    if (name.length > MAX_KEY_NAME_LENGTH) return { error: `key name longer than ${MAX_KEY_NAME_LENGTH} characters` };
  }
  return names;
}

/** Joins names back into a key path (`[]` gives `''`, the root). */
export function joinKeyPath(names: readonly string[]): string {
  return names.join('\\');
}

/**
 * The form of a key or value name used to compare names. Windows compares
 * names by upper-casing each UTF-16 character on its own, so a character
 * whose upper case is longer (German sharp s becomes "SS") stays as it is.
 */
export function foldName(name: string): string {
  if (/^[\x00-\x7f]*$/.test(name)) return name.toUpperCase();
  let folded = '';
  for (const char of name) {
    const upper = char.toUpperCase();
    folded += upper.length === char.length ? upper : char;
  }
  return folded;
}

/** Whether two key or value names are the same name to Windows. */
export function sameName(a: string, b: string): boolean {
  return a === b || foldName(a) === foldName(b);
}

/** Whether key path `inner` is `outer` itself or lies below it (case-insensitive). */
export function isSameOrBelow(inner: readonly string[], outer: readonly string[]): boolean {
  if (inner.length < outer.length) return false;
  return outer.every((name, index) => sameName(name, inner[index] ?? ''));
}
