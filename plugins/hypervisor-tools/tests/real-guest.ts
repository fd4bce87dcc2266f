/**
 * A test image opened the way `hyper2kvm migrate` opens a VM: a qcow2 overlay
 * in front of the source disk, one libguestfs appliance, the guest mounted,
 * facts inspected; and a helper that plans and fixes it with given plugins.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_VERSION, Engine, inspectGuestFacts, orderPlugins, type GuestFacts, type GuestFs, type Hyper2kvmPlugin, type Plan } from '@hyper2kvm/core';
import { createOverlays, openSource } from '@hyper2kvm/disk';
import { GuestfsAppliance } from '@hyper2kvm/guestfs';

export interface RealGuest {
  appliance: GuestfsAppliance;
  facts: GuestFacts;
  close(): Promise<void>;
}

interface BuiltImage {
  files: { vmdk?: string; vhdx?: string };
}

/** Builds (or reuses from the cache) a test image and opens it behind an overlay in one appliance. */
export async function openTestImage(name: string): Promise<RealGuest> {
  const builder = (await import(fileURLToPath(new URL('../../../test-images/build.mjs', import.meta.url)))) as { ensureImage(name: string, options?: { log?: (line: string) => void }): Promise<BuiltImage> };
  const image = await builder.ensureImage(name, { log: () => undefined });
  const disk = image.files.vmdk ?? image.files.vhdx;
  if (!disk) throw new Error(`test image ${name} has no disk`);
  process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
  const workDir = await mkdtemp(join(tmpdir(), `hyper2kvm-${name}-`));
  const { vm } = await openSource([disk]);
  const overlays = await createOverlays(vm, workDir);
  const appliance = await GuestfsAppliance.launch({ disks: overlays.map((overlay) => ({ path: overlay.overlayPath, format: 'qcow2' })) });
  const close = async (): Promise<void> => {
    await appliance.close();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    const inspection = await appliance.inspectOs();
    if (!inspection) throw new Error(`no operating system found on ${disk}`);
    await appliance.mountGuest(inspection);
    const facts = await inspectGuestFacts(appliance, { vm, hints: { type: inspection.type === 'linux' ? 'linux' : 'unknown', arch: inspection.arch } });
    return { appliance, facts, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs inspect, plan and fix of the plugins on the opened guest, as `migrate` does; returns the applied plan. */
export async function planAndFix(guest: { appliance: GuestFs; facts: GuestFacts }, plugins: Hyper2kvmPlugin[]): Promise<Plan> {
  const ordered = orderPlugins(plugins.map((plugin) => ({ name: plugin.name, enforce: plugin.enforce, before: plugin.before, after: plugin.after, plugin, options: plugin.options ? plugin.options.parse({}) : undefined })), 'test');
  const engine = new Engine({ plugins: ordered, coreVersion: CORE_VERSION });
  const facts = await engine.inspect(guest.appliance, structuredClone(guest.facts));
  const plan = await engine.plan(guest.appliance, facts);
  const backupDir = await mkdtemp(join(tmpdir(), 'hyper2kvm-backup-'));
  try {
    await engine.fix(guest.appliance, facts, plan, { backupDir });
  } finally {
    await rm(backupDir, { recursive: true, force: true });
  }
  return plan;
}
