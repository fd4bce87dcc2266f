/** The grub profile of a guest and where its generated config goes. */
import { OS_PROFILES, profileFor, type BootloaderProfile, type LinuxFacts } from '@hyper2kvm/core';

/**
 * The guest's release profile when its grub.cfg is where the profile says;
 * otherwise the profile (of any release) whose grub.cfg the guest has, so a
 * release missing from the table still regenerates with the right tool.
 */
export function grubProfileFor(linux: LinuxFacts): BootloaderProfile | undefined {
  const own = profileFor(linux)?.bootloader;
  const grubProfiles = OS_PROFILES.map((profile) => profile.bootloader).filter((bootloader) => bootloader.grubConfig.endsWith('/grub.cfg'));
  if (own && own.grubConfig.endsWith('/grub.cfg') && linux.bootloaderConfigs.includes(own.grubConfig)) return own;
  return (
    grubProfiles.find((bootloader) => linux.bootloaderConfigs.includes(bootloader.grubConfig)) ?? (own?.grubConfig.endsWith('/grub.cfg') ? own : undefined)
  );
}

/** The profile's mkconfig command writing to `output` instead of its usual file. */
export function mkconfigCommand(bootloader: BootloaderProfile, output: string): string[] {
  return bootloader.mkconfig.map((arg) => (arg === bootloader.grubConfig ? output : arg));
}

/** Folders a guest keeps its programs in, to tell whether it has the profile's tool. */
export const PROGRAM_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];
