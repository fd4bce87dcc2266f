/** Guest path helpers: absolute, `/`-separated, normalised, never escaping the root. */
import { posix } from 'node:path';
import { guestPathInvalid } from '../errors.js';

/** Normalises an absolute guest path; rejects relative paths and NUL bytes. */
export function normalizeGuestPath(path: string): string {
  if (!path.startsWith('/')) throw guestPathInvalid(`guest path must be absolute: ${JSON.stringify(path)}`);
  if (path.includes('\0')) throw guestPathInvalid(`guest path contains a NUL byte: ${JSON.stringify(path)}`);
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

export function parentOf(path: string): string {
  return posix.dirname(path);
}

/**
 * Converts a shell glob (`*`, `?`, `[...]` with `!` negation, no `**`) to an
 * anchored regular expression; wildcards never match `/`. As in POSIX, a `]`
 * right after `[` (or `[!`) is part of the set, and an unclosed `[` is literal.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const negated = pattern[index + 1] === '!';
      const start = negated ? index + 2 : index + 1;
      const close = pattern.indexOf(']', start + 1);
      if (close === -1) source += '\\[';
      else {
        // Escaped for a JS class: `\` and `]` always, a leading `^` unless it negates.
        const body = pattern
          .slice(start, close)
          .replace(/[\\\]]/g, '\\$&')
          .replace(/^\^/, '\\^');
        source += `[${negated ? '^' : ''}${body}]`;
        index = close;
      }
    } else source += char.replace(/[.+^$()|\\\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
