import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * Resolves `name` (as written in a descriptor or archive) against `folder`
 * and returns the absolute path, or `undefined` when the result would lie
 * outside `folder`. The check is lexical: it is about names written by
 * whoever produced the export, not about links the user set up.
 */
export function resolveInside(folder: string, name: string): string | undefined {
  if (name === '' || name.includes('\0')) return undefined;
  const base = resolve(folder);
  const target = resolve(base, name);
  const rel = relative(base, target);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return target;
}

/** True when a name starts with a qemu protocol prefix such as `json:` or `nbd:`. */
export function hasQemuProtocol(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(name);
}
