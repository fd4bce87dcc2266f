/**
 * `hyper2kvm doctor`'s checks, in order: the accelerator first (the
 * appliance check starts under its verdict), then everything else.
 */
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig, type ProgressEvent } from '@hyper2kvm/core';
import type { Accelerator } from '@hyper2kvm/guestfs';
import { DEFAULT_VIRTIO_WIN } from '@hyper2kvm/virtio-win';
import { runSettings } from '../api/run-context.js';
import { checkAccelerator } from './accelerator-check.js';
import { APPLIANCE_FIX, checkAppliance } from './appliance-check.js';
import { timedCheck, type CheckResult } from './check.js';
import { checkOvmf } from './firmware-check.js';
import { checkHivex } from './hivex-check.js';
import { checkLibvirt } from './libvirt-check.js';
import { checkQemuImg } from './qemu-img-check.js';
import { checkSpace } from './space-check.js';
import { checkVirtioWin } from './virtio-win-check.js';

export interface DoctorOptions {
  cwd: string;
  configFile?: string;
  /** The scratch folder's parent a migration would use (`--work-dir`); default the system's temporary folder. */
  workDir?: string;
  /** The output folder a migration would write (`--output`); default `cwd`. */
  outputDir?: string;
  /** `--virtio-win`, over the config and `$VIRTIO_WIN`. */
  virtioWin?: string;
  /** Told as each check starts, for the progress display. */
  onProgress?: (event: ProgressEvent) => void;
}

export interface DoctorReport {
  /** True when a migration can run here: no check failed. */
  ready: boolean;
  checks: CheckResult[];
}

/** Where the virtio-win source comes from, the way a run decides it. */
async function virtioWinChoice(options: DoctorOptions): Promise<{ path: string; chosenBy: string }> {
  const loaded = await loadConfig({ cwd: options.cwd, ...(options.configFile ? { file: options.configFile } : {}) });
  const path = runSettings(options.virtioWin === undefined ? {} : { virtioWin: options.virtioWin }, loaded, options.cwd).virtioWin;
  if (path === undefined) return { path: DEFAULT_VIRTIO_WIN, chosenBy: 'the default' };
  const chosenBy =
    options.virtioWin !== undefined ? '--virtio-win' : loaded.config.virtioWin !== undefined ? `virtioWin in ${loaded.displayName}` : '$VIRTIO_WIN';
  return { path, chosenBy };
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const progress = options.onProgress ?? ((): void => undefined);
  const workDir = resolve(options.cwd, options.workDir ?? tmpdir());
  const outputDir = resolve(options.cwd, options.outputDir ?? '.');
  const checks: CheckResult[] = [];
  const step = async (id: string, title: string, message: string, check: Parameters<typeof timedCheck>[2], fixOnThrow: string): Promise<CheckResult> => {
    progress({ step: 'doctor', action: title, message });
    const result = await timedCheck(id, title, check, fixOnThrow);
    checks.push(result);
    return result;
  };

  let accel: Accelerator = 'tcg';
  await step(
    'accelerator',
    'KVM',
    'probing KVM with a tiny guest (up to 8 s per run)',
    () =>
      checkAccelerator((verdict) => {
        accel = verdict.accel;
      }),
    'check that qemu-system-x86 is installed (apt-get install qemu-system-x86)',
  );
  await step('appliance', 'appliance', `starting the libguestfs appliance under ${accel.toUpperCase()}`, () => checkAppliance(workDir, accel), APPLIANCE_FIX);
  await step('qemu-img', 'qemu-img', 'qemu-img --version', checkQemuImg, 'install qemu-utils (apt-get install qemu-utils)');
  await step('hivex', 'libhivex', 'opening a hive with libhivex', () => checkHivex(workDir), 'install libhivex0 (apt-get install libhivex0)');
  const virtioWin = await virtioWinChoice(options).catch(() => ({ path: DEFAULT_VIRTIO_WIN, chosenBy: 'the default (the config did not load)' }));
  await step(
    'virtio-win',
    'virtio-win',
    `reading ${virtioWin.path}`,
    () => checkVirtioWin(virtioWin.path, virtioWin.chosenBy),
    'check the virtio-win ISO or folder',
  );
  await step('ovmf', 'OVMF', 'looking for OVMF', () => checkOvmf(), 'install ovmf (apt-get install ovmf)');
  await step('work-space', 'work folder', `free space in ${workDir}`, () => checkSpace('work folder', workDir, '--work-dir'), 'check the work folder');
  await step(
    'output-space',
    'output folder',
    `free space in ${outputDir}`,
    () => checkSpace('output folder', outputDir, '--output'),
    'check the output folder',
  );
  await step('libvirt', 'libvirt', 'virsh version', () => checkLibvirt(), 'install libvirt-clients');
  return { ready: checks.every((check) => check.status !== 'fail'), checks };
}
