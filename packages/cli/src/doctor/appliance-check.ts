/** Doctor: does the libguestfs appliance start here, and how long does it take? */
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GuestfsAppliance, type Accelerator } from '@hyper2kvm/guestfs';
import type { CheckFinding } from './check.js';

/** Size of the blank disk the appliance is started with (libguestfs needs one). */
const BLANK_DISK_BYTES = 16 * 1024 * 1024;

/** What to do when the appliance does not start. */
export const APPLIANCE_FIX =
  'run libguestfs-test-tool to see why; install libguestfs0 and linux-image-amd64 (the appliance is built from the host kernel, which must be readable), and set LIBGUESTFS_BACKEND=direct where libvirt is not running';

/** Starts an appliance with a blank scratch disk under `accel`, then shuts it down. */
export async function checkAppliance(workDir: string, accel: Accelerator): Promise<CheckFinding> {
  const dir = await mkdtemp(join(workDir, 'hyper2kvm-doctor-'));
  try {
    const disk = join(dir, 'blank.img');
    await writeFile(disk, '');
    await truncate(disk, BLANK_DISK_BYTES);
    const appliance = await GuestfsAppliance.launch({ disks: [{ path: disk, format: 'raw', readonly: true }], accel });
    await appliance.close();
    return { status: 'ok', detail: `libguestfs appliance starts in ${(appliance.launchMs / 1000).toFixed(1)} s under ${accel.toUpperCase()}` };
  } catch (error) {
    return {
      status: 'fail',
      detail: `the libguestfs appliance does not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      fix: APPLIANCE_FIX,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
