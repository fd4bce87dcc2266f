/** The initramfs profile for a guest: its OS profile's, or the one of the tool it actually has. */
import { OS_PROFILES, fillCommand, profileFor, type InitramfsProfile, type KernelFacts, type LinuxFacts } from '@hyper2kvm/core';

/**
 * The guest's own tool wins over its release's default (an Ubuntu built with
 * dracut, say): then any profile using that tool describes its config.
 * `undefined` when the tool is unknown.
 */
export function initramfsProfileFor(linux: LinuxFacts): InitramfsProfile | undefined {
  const own = profileFor(linux)?.initramfs;
  if (linux.initramfsTool === 'unknown') return undefined;
  if (own?.tool === linux.initramfsTool) return own;
  return OS_PROFILES.find((profile) => profile.initramfs.tool === linux.initramfsTool)?.initramfs;
}

/**
 * Values for the profile's templates: `{kver}`, `{flavour}` (Alpine names
 * images by it: 6.6.30-0-lts → lts) and `{initramfs}`, the image inspection
 * found or else the profile's pattern.
 */
export function templateValues(
  profile: InitramfsProfile,
  kernel: Pick<KernelFacts, 'version' | 'initramfs'>,
): { kver: string; flavour: string; initramfs: string } {
  const kver = kernel.version;
  const flavour = kver.split('-').pop() ?? kver;
  const initramfs = kernel.initramfs ?? fillCommand([profile.image], { kver, flavour })[0]!;
  return { kver, flavour, initramfs };
}

/** The rebuild command of one kernel, ready for `guest.command`. */
export function rebuildCommand(profile: InitramfsProfile, kernel: Pick<KernelFacts, 'version' | 'initramfs'>): string[] {
  return fillCommand(profile.rebuild, templateValues(profile, kernel));
}
