/**
 * A real guest for plugin tests: disk images opened the way `hyper2kvm
 * migrate` opens a VM (a qcow2 overlay in front of each disk, so the images
 * are never written; ONE libguestfs appliance; the guest inspected and
 * mounted, a Windows guest with its boot volume and registry), then the
 * plugins' inspect, plan and fix run on it as the engine runs them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CORE_VERSION,
  Engine,
  inspectGuestFacts,
  pluginsInCode,
  type GuestFacts,
  type GuestFs,
  type Logger,
  type OsHints,
  type Plan,
  type PluginInCode,
  type RegistryReader,
  type RegistryWriter,
  type RunSettings,
  type VmDescription,
} from '@hyper2kvm/core';
import { createOverlays, openSource } from '@hyper2kvm/disk';
import { GuestfsAppliance, openInspectedGuest, type GuestRegistry } from '@hyper2kvm/guestfs';

export interface DiskGuest {
  /** The running appliance with the guest mounted (a `GuestFs`). */
  appliance: GuestfsAppliance;
  /** What the disk images describe (sizes, formats). */
  vm: VmDescription;
  /** Core facts inspected from the guest, before any plugin ran. */
  facts: GuestFacts;
  /** What inspection started from (type, arch, firmware, boot volumes). */
  hints: OsHints;
  /** A Windows guest's registry (read and written through the appliance). */
  registry?: GuestRegistry;
  /** The overlay in front of each disk, in disk order: the repairs land here. */
  overlays: string[];
  /** Scratch folder of this guest (overlays, hive copies); removed by `close`. */
  workDir: string;
  /** Shuts the appliance down and keeps the overlays, to read them with other tools. Idempotent. */
  release(): Promise<void>;
  /** Releases, then removes `workDir`. */
  close(): Promise<void>;
}

/**
 * Opens disk images (VMDK, VHDX, qcow2, raw…) of one VM in one appliance.
 * @throws the same errors `migrate` gives for the disks (no OS, missing disks, …).
 */
export async function openDiskGuest(disks: string[], options: { workDir?: string } = {}): Promise<DiskGuest> {
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'hyper2kvm-test-guest-')));
  const source = await openSource(disks, { scratchDir: join(workDir, 'source') });
  let appliance: GuestfsAppliance | undefined;
  let registry: GuestRegistry | undefined;
  let released: Promise<void> | undefined;
  const release = (): Promise<void> =>
    (released ??= (async () => {
      try {
        await registry?.close();
      } finally {
        await appliance?.close();
      }
    })());
  const close = async (): Promise<void> => {
    try {
      await release();
    } finally {
      await source.dispose();
      await rm(workDir, { recursive: true, force: true });
    }
  };
  try {
    const overlays = await createOverlays(source.vm, workDir);
    appliance = await GuestfsAppliance.launch({ disks: overlays.map((overlay) => ({ path: overlay.overlayPath, format: 'qcow2' })) });
    const opened = await openInspectedGuest(appliance, { source: disks.join(', '), workDir });
    registry = opened.registry;
    const facts = await inspectGuestFacts(appliance, { vm: source.vm, hints: opened.hints, ...(registry ? { registry } : {}) });
    return {
      appliance,
      vm: source.vm,
      facts,
      hints: opened.hints,
      ...(registry ? { registry } : {}),
      overlays: overlays.map((overlay) => overlay.overlayPath),
      workDir,
      release,
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

export interface RunPluginsOptions {
  /** Apply the plan (changes, fixOffline, actions) as well; default true. */
  fix?: boolean;
  /** Where fix keeps backups of the files it replaces; default a folder removed afterwards. */
  backupDir?: string;
  logger?: Logger;
  /** The run's settings (`run` in the plugins' `apply`), e.g. the virtio-win source. */
  settings?: RunSettings;
}

export interface PluginRun {
  plan: Plan;
  /** The facts after the plugins' inspect taps. */
  facts: GuestFacts;
  /** The engine that ran: its dispose taps were already called. */
  engine: Engine;
}

/** Runs the plugins' inspect, plan and (unless `fix: false`) fix on an opened guest, then their dispose taps. */
export async function runPlugins(
  guest: { appliance: GuestFs; facts: GuestFacts; registry?: RegistryReader & RegistryWriter },
  plugins: readonly PluginInCode[],
  options: RunPluginsOptions = {},
): Promise<PluginRun> {
  const engine = new Engine({
    plugins: pluginsInCode(plugins, 'test'),
    coreVersion: CORE_VERSION,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const registry = guest.registry ? { registry: guest.registry } : {};
  const ownBackups = options.backupDir === undefined ? await mkdtemp(join(tmpdir(), 'hyper2kvm-test-backup-')) : undefined;
  try {
    const facts = await engine.inspect(guest.appliance, structuredClone(guest.facts));
    const plan = await engine.plan(guest.appliance, facts, registry);
    if (options.fix !== false) await engine.fix(guest.appliance, facts, plan, { backupDir: options.backupDir ?? ownBackups!, ...registry });
    return { plan, facts, engine };
  } finally {
    await engine.dispose();
    if (ownBackups) await rm(ownBackups, { recursive: true, force: true });
  }
}
