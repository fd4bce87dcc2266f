/** Room in the scratch folder for unpacked copies: checked before writing, explained when missing. */
import { InputError, formatBytes } from '@hyper2kvm/core';
import { statfs } from 'node:fs/promises';

/** Bytes free for this process in the file system holding `folder`. */
export async function freeBytes(folder: string): Promise<number> {
  const stats = await statfs(folder);
  return Number(stats.bavail) * Number(stats.bsize);
}

/** A size for messages: readable, then exact. */
function describeBytes(bytes: number): string {
  return `${formatBytes(bytes)} (${bytes} bytes)`;
}

/**
 * Refuses to unpack `what` when the scratch folder cannot hold `needed`
 * bytes: one line naming the bytes needed and free, before anything is written.
 */
export async function requireSpace(folder: string, needed: number, shown: string, what: string): Promise<void> {
  const free = await freeBytes(folder);
  if (needed <= free) return;
  throw new InputError(
    shown,
    `unpacking ${what} needs ${describeBytes(needed)} in ${folder}, but only ${describeBytes(free)} are free there (give a larger scratch folder with --work-dir)`,
    { code: 'SCRATCH_SPACE' },
  );
}
