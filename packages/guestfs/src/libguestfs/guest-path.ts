/**
 * Checks on guest paths before they reach libguestfs: absolute, already
 * normalised (no `.`, `..`, `//` or trailing `/`) and without NUL, so a
 * path can never climb out of the guest root or be cut short in C.
 */
import { posix } from 'node:path';
import { GuestFsError } from '@hyper2kvm/core';

/**
 * Returns `path` when it is a valid guest path.
 * @throws {GuestFsError} code `GUEST_PATH_INVALID` otherwise.
 */
export function checkGuestPath(path: string, what = 'guest path'): string {
  if (typeof path !== 'string' || path.length === 0) throw badPath(what, path, 'is empty');
  if (path.includes('\0')) throw badPath(what, path, 'contains a NUL byte');
  if (!path.startsWith('/')) throw badPath(what, path, 'is not absolute');
  if (posix.normalize(path) !== path || (path.length > 1 && path.endsWith('/'))) {
    throw badPath(what, path, 'is not normalised (no ".", "..", "//" or trailing "/")');
  }
  return path;
}

/**
 * Returns `path` when it is usable as a host file name (non-empty, no NUL).
 * @throws {GuestFsError} code `GUEST_PATH_INVALID` otherwise.
 */
export function checkHostPath(path: string, what = 'host path'): string {
  if (typeof path !== 'string' || path.length === 0) throw badPath(what, path, 'is empty');
  if (path.includes('\0')) throw badPath(what, path, 'contains a NUL byte');
  return path;
}

function badPath(what: string, path: string, problem: string): GuestFsError {
  return new GuestFsError(`${what} ${JSON.stringify(path)} ${problem}`, { code: 'GUEST_PATH_INVALID' });
}
