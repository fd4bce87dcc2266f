/**
 * The real bootable Debian 12 test image opened the way hyper2kvm opens a
 * VM: a qcow2 overlay over the exported VMDK, one libguestfs appliance, the
 * guest mounted, core facts inspected. Writes go to the overlay only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { inspectGuestFacts, type GuestFacts } from '@hyper2kvm/core';
import { createOverlays, openSource } from '@hyper2kvm/disk';
import { GuestfsAppliance } from '@hyper2kvm/guestfs';

export const BOOTABLE_IMAGE = 'debian-12-bootable';

export interface BootableGuest {
  appliance: GuestfsAppliance;
  facts: GuestFacts;
  /** Folder for the overlay and backups; removed by `close`. */
  workDir: string;
  close(): Promise<void>;
}

/** Builds the image when the cache lacks it (or waits for the build another process runs). */
async function imageVmdk(): Promise<string> {
  const builder = (await import(fileURLToPath(new URL('../../../test-images/build.mjs', import.meta.url)))) as {
    ensureImage(name: string, options?: { log?: (line: string) => void }): Promise<{ files: { vmdk?: string } }>;
  };
  const image = await builder.ensureImage(BOOTABLE_IMAGE, { log: () => undefined });
  if (!image.files.vmdk) throw new Error(`${BOOTABLE_IMAGE} has no VMDK`);
  return image.files.vmdk;
}

export async function openBootableGuest(): Promise<BootableGuest> {
  process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
  const vmdk = await imageVmdk();
  const workDir = await mkdtemp(join(tmpdir(), 'h2k-bootable-'));
  const { vm } = await openSource([vmdk]);
  const [overlay] = await createOverlays(vm, workDir);
  const appliance = await GuestfsAppliance.launch({ disks: [{ path: overlay!.overlayPath, format: 'qcow2' }] });
  const close = async (): Promise<void> => {
    await appliance.close();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    const inspection = await appliance.inspectOs();
    if (!inspection) throw new Error(`${BOOTABLE_IMAGE}: no operating system found`);
    await appliance.mountGuest(inspection);
    const facts = await inspectGuestFacts(appliance, { vm, hints: { type: 'linux', arch: inspection.arch } });
    return { appliance, facts, workDir, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A pino logger whose records land in `records`, to check what an action did and in which order. */
export function recordingLogger(records: { msg: string; [key: string]: unknown }[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) records.push(JSON.parse(line) as { msg: string });
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}
