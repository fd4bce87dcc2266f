/** Kernel disk names → stable identifiers. Pure functions, unit-tested beside. */
import type { GuestFilesystem } from '@hyper2kvm/core';

/** Disk names that change when the disk bus changes (`/dev/sda1` becomes `/dev/vda1` on virtio). */
const KERNEL_DISK_NAME = /^\/dev\/(?:sd|hd|vd|xvd)([a-z]+)(\d*)$/;

/** True for names that must be replaced: kernel names and by-path links. LVM and md names are stable. */
export function isUnstableDeviceName(spec: string): boolean {
  return KERNEL_DISK_NAME.test(spec) || spec.startsWith('/dev/disk/by-path/');
}

/**
 * The appliance's name for a guest's kernel disk name. libguestfs names the
 * disks `/dev/sdX` in the order they were attached, which is the source VM's
 * disk order, whatever bus the guest called them on.
 */
export function applianceDeviceFor(spec: string): string | null {
  const match = KERNEL_DISK_NAME.exec(spec);
  return match ? `/dev/sd${match[1]}${match[2]}` : null;
}

/** `UUID=…`, else `LABEL=…`, else `PARTUUID=…`; `null` when the file system has none. */
export function stableSpecFor(filesystem: GuestFilesystem | undefined): string | null {
  if (!filesystem) return null;
  if (filesystem.uuid) return `UUID=${filesystem.uuid}`;
  if (filesystem.label) return `LABEL=${filesystem.label}`;
  if (filesystem.partuuid) return `PARTUUID=${filesystem.partuuid}`;
  return null;
}

export interface NameResolution {
  /** Stable replacement for each unstable name that could be mapped. */
  replacements: Map<string, string>;
  /** Unstable names with no identifier to use. */
  unresolved: Set<string>;
}

/** Resolves unstable names against the guest's file systems. */
export function resolveNames(specs: Iterable<string>, filesystems: GuestFilesystem[]): NameResolution {
  const byDevice = new Map(filesystems.map((filesystem) => [filesystem.device, filesystem]));
  const replacements = new Map<string, string>();
  const unresolved = new Set<string>();
  for (const spec of specs) {
    if (!isUnstableDeviceName(spec) || replacements.has(spec)) continue;
    const device = applianceDeviceFor(spec);
    const stable = device ? stableSpecFor(byDevice.get(device)) : null;
    if (stable) replacements.set(spec, stable);
    else unresolved.add(spec);
  }
  return { replacements, unresolved };
}

/** Kernel parameters that name a disk. */
const DISK_PARAMETERS = ['root', 'resume'];

/** Unstable device names used by `root=`/`resume=` in a text (a command line, a grub config). */
export function cmdlineDeviceNames(text: string): string[] {
  const names: string[] = [];
  for (const parameter of DISK_PARAMETERS) {
    for (const match of text.matchAll(new RegExp(`(?<![\\w.-])${parameter}=(/dev/[^\\s"']+)`, 'g'))) {
      if (isUnstableDeviceName(match[1]!)) names.push(match[1]!);
    }
  }
  return names;
}

/** Rewrites `root=`/`resume=` values that have a replacement; everything else stays byte for byte. */
export function rewriteCmdline(text: string, replacements: Map<string, string>): string {
  let out = text;
  for (const parameter of DISK_PARAMETERS) {
    out = out.replace(new RegExp(`(?<![\\w.-])(${parameter}=)(/dev/[^\\s"']+)`, 'g'), (all, prefix: string, device: string) => {
      const stable = replacements.get(device);
      return stable ? `${prefix}${stable}` : all;
    });
  }
  return out;
}
