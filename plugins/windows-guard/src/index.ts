/**
 * Guards a Windows conversion: refuses guests that cannot be converted
 * safely (hibernation, Fast Startup, BitLocker, dynamic disks), warns about
 * driver blockers and sets CrashControl\AutoReboot = 0. The boot
 * configuration (BCD stores, the fallback UEFI loader) is bcd-guard's.
 */
import { definePlugin, packageManifest } from '@hyper2kvm/core';
import { z } from 'zod';
import { disableAutoReboot, reportBlockers } from './blockers.js';

export { DRIVER_BLOCKING_SERVICES } from './blockers.js';

const manifest = packageManifest(import.meta.url);

const options = z
  .object({
    /** Set CrashControl\AutoReboot = 0 in every control set. */
    disableAutoReboot: z.boolean().default(true),
  })
  .strict();

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Refuses unsafe Windows guests (hibernation, Fast Startup, BitLocker, dynamic disks), warns about driver blockers and sets AutoReboot=0',
  options,
  enforce: 'pre',
  appliesTo: (facts) => facts.os.type === 'windows',
  apply(hooks, { options: config }) {
    hooks.plan.tapPromise('windows-guard', async (p) => {
      const windows = p.facts.windows;
      if (!windows) return;
      await reportBlockers(p, p.facts);
      if (config.disableAutoReboot) await disableAutoReboot(p, windows.controlSets);
    });
  },
});
