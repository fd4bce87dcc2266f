/**
 * Programmatic `verify`: boots a migrated VM (an output folder) or a disk as
 * it is, through the verifier of @hyper2kvm/plugin-verify-boot, the plugin
 * that `migrate --verify` runs through the verify hook.
 */
import { resolve } from 'node:path';
import { Hyper2kvmError, UsageError, type VerifyResult } from '@hyper2kvm/core';

/** What this command uses of the verify-boot plugin's library. */
interface VerifierLibrary {
  machineFromOutputDir(dir: string): Promise<unknown>;
  machineFromDisk(path: string, options: { mac?: string; bus?: 'virtio' | 'scsi' | 'sata'; firmware?: 'bios' | 'uefi' }): Promise<unknown>;
  verifyMachine(
    machine: unknown,
    options: {
      timeoutSeconds?: number;
      consoleLog?: string;
      waitFor?: string;
      onStart?: (info: { accel: 'kvm' | 'tcg'; reason: string; timeoutSeconds: number }) => void;
      onRetry?: (why: string) => void;
    },
  ): Promise<VerifyResult>;
}

/** The plugin is loaded by name, as plugins are: the CLI never imports one statically. */
const VERIFIER_PACKAGE = '@hyper2kvm/plugin-verify-boot';

async function loadVerifier(): Promise<VerifierLibrary> {
  try {
    return (await import(VERIFIER_PACKAGE)) as VerifierLibrary;
  } catch (error) {
    throw new Hyper2kvmError('NO_VERIFIER', `cannot load ${VERIFIER_PACKAGE}: ${(error as Error).message}`);
  }
}

export interface VerifyRunOptions {
  /** An output folder of `migrate` (report.json or NAME.xml inside). */
  dir?: string;
  /** Or a disk to boot as it is (an unrepaired source, say) on virtio. */
  disk?: string;
  /** With `disk`: the NIC's MAC (default qemu's own, never the source's). */
  mac?: string;
  /** With `disk`: the disk bus (default virtio). */
  bus?: 'virtio' | 'scsi' | 'sata';
  /** With `disk`: firmware (default bios). */
  firmware?: 'bios' | 'uefi';
  timeoutSeconds?: number;
  /** Write the whole serial console here. */
  consoleLog?: string;
  /** Keep booting after the verdict until the console shows this text; the result says whether it did. */
  waitFor?: string;
  cwd?: string;
  /** Told which accelerator and time limit the boot uses. */
  onStart?: (info: { accel: 'kvm' | 'tcg'; reason: string; timeoutSeconds: number }) => void;
  /** Told when the boot is tried again after an emulated-timer panic under TCG. */
  onRetry?: (why: string) => void;
}

/** Boots the VM once and returns the verdict. The disks themselves are never written. */
export async function verify(options: VerifyRunOptions): Promise<VerifyResult> {
  const cwd = options.cwd ?? process.cwd();
  if ((options.dir === undefined) === (options.disk === undefined))
    throw new UsageError('verify: give either an output folder or --disk FILE (see hyper2kvm verify --help)');
  const verifier = await loadVerifier();
  let machine: unknown;
  try {
    machine =
      options.disk !== undefined
        ? await verifier.machineFromDisk(resolve(cwd, options.disk), {
            ...(options.mac ? { mac: options.mac } : {}),
            ...(options.bus ? { bus: options.bus } : {}),
            ...(options.firmware ? { firmware: options.firmware } : {}),
          })
        : await verifier.machineFromOutputDir(resolve(cwd, options.dir as string));
  } catch (error) {
    // Nothing bootable where the user pointed: say what, not a stack.
    throw new Hyper2kvmError('VERIFY_INPUT', `verify: ${(error as Error).message}`, { cause: error });
  }
  return verifier.verifyMachine(machine, {
    ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
    ...(options.consoleLog ? { consoleLog: resolve(cwd, options.consoleLog) } : {}),
    ...(options.waitFor !== undefined ? { waitFor: options.waitFor } : {}),
    ...(options.onStart ? { onStart: options.onStart } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
}
