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

/** Converts a shell glob (`*`, `?`, `[...]`, no `**`) to an anchored regular expression. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close === -1) source += '\\[';
      else {
        let set = pattern.slice(i + 1, close);
        if (set.startsWith('!')) set = '^' + set.slice(1);
        source += `[${set.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else source += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
