/** Doctor: free space where a migration writes (the scratch folder and the output folder). */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatBytes } from '@hyper2kvm/core';
import type { CheckFinding } from './check.js';

const GIB = 1024 ** 3;
/** Below this nothing fits (overlays, the report, a small disk). */
export const SPACE_FAIL_BYTES = 1 * GIB;
/** Below this a typical VM's disks do not. */
export const SPACE_WARN_BYTES = 20 * GIB;

/** Free bytes on the file system holding `path`, or its nearest existing parent (the folder may not exist yet). */
async function freeBytes(path: string): Promise<{ bytes: number; on: string }> {
  let at = path;
  for (;;) {
    try {
      const stats = await statfs(at);
      return { bytes: stats.bavail * stats.bsize, on: at };
    } catch (error) {
      const parent = dirname(at);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) throw error;
      at = parent;
    }
  }
}

/** The status for `free` bytes: fail under 1 GiB, warn under 20 GiB. */
export function spaceStatus(free: number): CheckFinding['status'] {
  return free < SPACE_FAIL_BYTES ? 'fail' : free < SPACE_WARN_BYTES ? 'warn' : 'ok';
}

export async function checkSpace(what: string, path: string, option: string): Promise<CheckFinding> {
  const { bytes, on } = await freeBytes(path);
  const status = spaceStatus(bytes);
  const detail = `${formatBytes(bytes)} free in ${path}${on === path ? '' : ` (on ${on})`}`;
  if (status === 'ok') return { status, detail };
  return {
    status,
    detail: `${detail}: ${status === 'fail' ? 'too little for any migration' : `a VM needs about its disks' allocated size in the ${what}`}`,
    fix: `free space there, or choose another ${what} with ${option}`,
  };
}
