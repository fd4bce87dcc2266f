/**
 * Proves a migration: boots the converted disks headless under qemu with the
 * devices of the emitted domain (NAME.xml), on throwaway overlays, and fills
 * the verify result (booted, network, addresses) from the serial console.
 */
import { join } from 'node:path';
import { definePlugin, packageManifest } from '@hyper2kvm/core';
import { z } from 'zod';
import { machineFromOutputDir, verifyMachine } from './verify.js';

const manifest = packageManifest(import.meta.url);

const options = z
  .object({
    /** Run limit in seconds; default 300 under TCG, 90 under KVM. */
    timeoutSeconds: z.int().min(10).max(3600).optional(),
    /** After the guest is up, how long its console may stay silent before network is judged down. */
    networkGraceSeconds: z.int().min(0).max(600).default(60),
    /** Keep the whole console as NAME-console.log in the output folder. */
    keepConsole: z.boolean().default(false),
  })
  .strict();

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Boots the migrated VM headless and reports whether it came up with its network',
  options,
  appliesTo: () => true,
  apply(hooks, { options: settings }) {
    hooks.verify.tapPromise(manifest.name, async (context) => {
      if (context.result) return; // another verifier already decided
      const machine = await machineFromOutputDir(context.outputDir, context.name);
      context.result = await verifyMachine(machine, {
        ...(settings.timeoutSeconds !== undefined ? { timeoutSeconds: settings.timeoutSeconds } : {}),
        networkGraceSeconds: settings.networkGraceSeconds,
        ...(settings.keepConsole ? { consoleLog: join(context.outputDir, `${context.name}-console.log`) } : {}),
        onStart: ({ accel, reason, timeoutSeconds }) =>
          context.logger.info({ accel, reason, timeoutSeconds }, `booting ${context.name} under ${accel} (limit ${timeoutSeconds} s)`),
        onRetry: (why) => context.logger.warn({ why }, 'emulated timer failed the kernel early; booting again'),
      });
    });
  },
});

export { bootMachine, DEBIAN_OVMF, type BootOptions, type BootResult } from './boot.js';
export { cleanConsole, consoleTail, isGlobalAddress, judgeConsole, MARKER_PREFIX, type ConsoleVerdict } from './console-verdict.js';
export { parseDomainXml, type BootDiskBus, type BootMachine, type BootNicModel } from './domain.js';
export { defaultMac, qemuArguments, type QemuBootPlan } from './qemu-args.js';
export {
  DEFAULT_TIMEOUT_SECONDS,
  isTimerCheckPanic,
  machineFromDisk,
  machineFromOutputDir,
  outputName,
  verifyMachine,
  type DiskMachineOptions,
  type VerifyOptions,
} from './verify.js';
