/** Doctor: can libhivex be loaded and open a hive (Windows guests' registry is edited with it)? */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Hive, createEmptyHive } from '@hyper2kvm/registry';
import type { CheckFinding } from './check.js';

/** Writes an empty hive in `workDir` and opens it through libhivex. */
export async function checkHivex(workDir: string): Promise<CheckFinding> {
  const dir = await mkdtemp(join(workDir, 'hyper2kvm-doctor-'));
  try {
    const path = join(dir, 'SYSTEM');
    await createEmptyHive(path, 'ROOT');
    const hive = Hive.open(path);
    try {
      return { status: 'ok', detail: `libhivex opens hives (root key ${hive.rootName()})` };
    } finally {
      hive.close();
    }
  } catch (error) {
    return {
      status: 'warn',
      detail: `libhivex cannot be used, so Windows guests cannot be migrated: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      fix: 'install libhivex0 (apt-get install libhivex0)',
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
