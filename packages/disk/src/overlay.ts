import type { VmDescription, VmDiskDescription } from '@hyper2kvm/core';
import { Hyper2kvmError } from '@hyper2kvm/core';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { qemuFilename } from './qemu-filename.js';
import { QemuImgFailure, runQemuImg } from './qemu-img.js';

/** A source disk and the qcow2 overlay that takes every write meant for it. */
export interface DiskOverlay {
  overlayPath: string;
  disk: VmDiskDescription;
}

/**
 * Creates one qcow2 overlay per disk in `workDir`, backed by the source (for
 * an archive member: by the member read in place). qemu-img opens the backing
 * file read-only to learn its size (checked with strace on qemu 7.2), and
 * later users open it read-only as a backing node, so the source is never
 * written.
 */
export async function createOverlays(vm: VmDescription, workDir: string): Promise<DiskOverlay[]> {
  const folder = resolve(workDir);
  await mkdir(folder, { recursive: true });
  const overlays: DiskOverlay[] = [];
  for (const [index, disk] of vm.disks.entries()) {
    const overlayPath = join(folder, `disk${index}-${overlayStem(disk)}.overlay.qcow2`);
    try {
      await runQemuImg(['create', '-q', '-f', 'qcow2', '-F', disk.format, '-b', qemuFilename(disk), overlayPath]);
    } catch (error) {
      if (!(error instanceof QemuImgFailure)) throw error;
      const shown = disk.archiveMember === undefined ? disk.path : `${disk.path} member "${disk.archiveMember.name}"`;
      throw new Hyper2kvmError('OVERLAY_FAILED', `${shown}: cannot create an overlay: ${error.message}`, { cause: error });
    }
    overlays.push({ overlayPath, disk });
  }
  return overlays;
}

/** A readable, filesystem-safe stem from the disk's own name. */
function overlayStem(disk: VmDiskDescription): string {
  const name = basename(disk.archiveMember?.name ?? disk.path);
  const stem = basename(name, extname(name))
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 64);
  return stem === '' ? 'disk' : stem;
}
