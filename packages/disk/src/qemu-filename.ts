import type { ArchiveMember, VmDiskDescription } from '@hyper2kvm/core';

/** A qemu block node description, as `-blockdev` or a `json:` filename takes it. */
export interface QemuBlockdevOptions {
  driver: string;
  [option: string]: unknown;
}

/**
 * The protocol layer for a source: the file itself, or a window of an
 * archive (the `raw` driver's `offset`/`size`) so a member is read in place.
 */
function protocolNode(path: string, member?: Pick<ArchiveMember, 'offset' | 'size'>): QemuBlockdevOptions {
  const file: QemuBlockdevOptions = { driver: 'file', filename: path };
  if (member === undefined) return file;
  return { driver: 'raw', offset: member.offset, size: member.size, file };
}

/**
 * The filename qemu should open for a disk: its absolute path; for an
 * archive member a `json:` filename that reads the member inside the
 * archive; for a snapshot chain one that names every layer's file, so qemu
 * opens exactly the checked chain instead of following the layers' hints.
 */
export function qemuFilename(disk: VmDiskDescription): string {
  // A Hyper-V checkpoint chain is already one qcow2 layer on its base: only VMDK chains are spelt out.
  if (disk.format === 'vmdk' && disk.chain !== undefined && disk.chain.length > 1) return jsonFilename(chainNode(disk.format, disk.chain));
  if (disk.archiveMember === undefined) return disk.path;
  return jsonFilename({ driver: disk.format, file: protocolNode(disk.path, disk.archiveMember) });
}

/** The top layer with its parents as explicit `backing` nodes (a parent's own hint is never read). */
function chainNode(format: string, layers: string[]): QemuBlockdevOptions {
  const [top, ...parents] = layers;
  const node: QemuBlockdevOptions = { driver: format, file: protocolNode(top!) };
  if (parents.length > 0) node['backing'] = chainNode(format, parents);
  return node;
}

/**
 * A `json:` filename for an archive member with no format driver, so that
 * qemu probes the member's content to find its format.
 */
export function archiveMemberProbeFilename(archivePath: string, member: Pick<ArchiveMember, 'offset' | 'size'>): string {
  return jsonFilename({ file: protocolNode(archivePath, member) });
}

function jsonFilename(options: Record<string, unknown>): string {
  return `json:${JSON.stringify(options)}`;
}
