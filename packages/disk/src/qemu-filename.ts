import type { VmDiskDescription } from '@hyper2kvm/core';
import type { TarMember } from './tar-index.js';

/** A qemu block node description, as `-blockdev` or a `json:` filename takes it. */
export interface QemuBlockdevOptions {
  driver: string;
  [option: string]: unknown;
}

/**
 * The protocol layer for a source: the file itself, or a window of an OVA
 * (the `raw` driver's `offset`/`size`) so a tar member is read in place.
 */
function protocolNode(path: string, tarMember?: Pick<TarMember, 'offset' | 'size'>): QemuBlockdevOptions {
  const file: QemuBlockdevOptions = { driver: 'file', filename: path };
  if (tarMember === undefined) return file;
  return { driver: 'raw', offset: tarMember.offset, size: tarMember.size, file };
}

/**
 * Block options for a source disk: the format driver on top of its file (or
 * of its window inside an OVA). Read-only unless told otherwise.
 */
export function qemuBlockdevOptions(disk: VmDiskDescription, options: { readOnly?: boolean } = {}): QemuBlockdevOptions {
  const readOnly = options.readOnly ?? true;
  return { driver: disk.format, 'read-only': readOnly, file: protocolNode(disk.path, disk.tarMember) };
}

/**
 * The filename qemu should open for a disk: its absolute path, or for an OVA
 * member a `json:` filename that reads the member inside the archive.
 */
export function qemuFilename(disk: VmDiskDescription): string {
  if (disk.tarMember === undefined) return disk.path;
  return jsonFilename({ driver: disk.format, file: protocolNode(disk.path, disk.tarMember) });
}

/**
 * A `json:` filename for a tar member with no format driver, so that qemu
 * probes the member's content to find its format.
 */
export function tarMemberProbeFilename(archivePath: string, member: Pick<TarMember, 'offset' | 'size'>): string {
  return jsonFilename({ file: protocolNode(archivePath, member) });
}

function jsonFilename(options: Record<string, unknown>): string {
  return `json:${JSON.stringify(options)}`;
}
