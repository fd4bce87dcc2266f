/**
 * The libguestfs adapter of the GuestFs port: one appliance per VM, with all
 * of the VM's disks attached, reached through the C API (see ffi.ts). This
 * file starts, mounts and stops it; the file operations are in
 * appliance-files.ts, OS inspection in os-inspection.ts, the search for
 * Windows boot volumes in windows-boot-volumes.ts.
 */
import { GuestFsError, InputError } from '@hyper2kvm/core';
import { detectAccelerator } from '../accel.js';
import type { Accelerator } from '../accel.js';
import { ApplianceFiles, type ApplianceLogger } from './appliance-files.js';
import { ADD_DRIVE_DISCARD, ADD_DRIVE_FORMAT, ADD_DRIVE_READONLY, GuestfsCallError, GuestfsHandle } from './ffi.js';
import { checkHostPath } from './guest-path.js';
import type { IncompleteVolumeGroup } from './lvm-volume-groups.js';
import { openLuksVolumes, renameToCrypttab, type LuksKey, type OpenLuksVolume } from './luks-volumes.js';
import { incompleteVolumeGroups, inspectOs, luksVolumes, type OsInspection } from './os-inspection.js';
import { VolumeLayout } from './volume-layout.js';
import {
  findWindowsBootVolumes,
  scanEfiSystemPartitions,
  WINDOWS_ESP_ROOT,
  WINDOWS_SYSTEM_RESERVED_ROOT,
  type BootVolume,
  type EfiSystemPartition,
  type VolumeProbe,
} from './windows-boot-volumes.js';

export type { ApplianceLogger } from './appliance-files.js';
export { sortMountpoints, type OsInspection } from './os-inspection.js';
export { WINDOWS_ESP_ROOT, WINDOWS_SYSTEM_RESERVED_ROOT, type BootVolume, type EfiSystemPartition } from './windows-boot-volumes.js';

export interface ApplianceDisk {
  /**
   * Host file name of the disk image. Local files only: the direct backend
   * hands it to qemu as a file, so qemu `json:` pseudo-file names do not work;
   * expose an OVA member through a file (extracted, or a qcow2 overlay whose
   * backing file is a json: name created with qemu-img) instead.
   */
  path: string;
  /** qemu format, e.g. `qcow2`, `vmdk`, `raw`. Always given: probing formats is unsafe. */
  format: string;
  /** Attach read-only (libguestfs then writes to a throw-away snapshot). Default false. */
  readonly?: boolean;
}

export interface LaunchOptions {
  disks: ApplianceDisk[];
  /** `auto` (default) probes with detectAccelerator; `tcg` forces TCG; `kvm` lets libguestfs use KVM. */
  accel?: 'auto' | Accelerator;
  /** Appliance memory; default 1024 MiB. */
  memoryMiB?: number;
  /** Appliance vCPUs; default 1 (see {@link applianceSize}). */
  vcpus?: number;
  logger?: ApplianceLogger;
  /** Called with the accelerator chosen, and why, before the appliance starts (for a progress display). */
  onAccelerator?: (verdict: { accel: Accelerator; reason: string }) => void;
}

/** Appliance folder (made with `mkmountpoint`, outside every guest disk) holding one mount point per volume. */
const APPLIANCE_VOLUMES = '/volumes';

let launchCount = 0;

/** Number of appliances launched by this process (to show "one per VM"). */
export function applianceLaunchCount(): number {
  return launchCount;
}

/** Appliances not yet closed, so an exiting process can stop their qemu. */
const openAppliances = new Set<GuestfsAppliance>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // On a signal, close appliances before dying; on a crash, libguestfs' own
  // atexit handler and its recovery process (which kills qemu when the
  // parent disappears) are the safety nets.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.allSettled([...openAppliances].map((appliance) => appliance.close())).finally(() => {
        process.kill(process.pid, signal);
      });
    });
  }
}

/**
 * A running libguestfs appliance with the disks of one VM.
 * Implements the GuestFs port once {@link mountGuest} has mounted the guest.
 */
export class GuestfsAppliance extends ApplianceFiles {
  /** Accelerator the appliance runs with, and why. */
  readonly accel: { accel: Accelerator; reason: string };
  /** Wall time of `guestfs_launch`, in milliseconds. */
  readonly launchMs: number;

  #bootVolumes: BootVolume[] = [];
  /** What {@link efiSystemPartitions} found, looked at once. */
  #esps: Promise<EfiSystemPartition[]> | undefined;
  #closing: Promise<void> | null = null;

  private constructor(handle: GuestfsHandle, accel: { accel: Accelerator; reason: string }, launchMs: number, logger: ApplianceLogger | undefined) {
    super(handle, logger);
    this.accel = accel;
    this.launchMs = launchMs;
  }

  /**
   * Starts ONE appliance with every disk of a VM attached (in order:
   * `/dev/sda`, `/dev/sdb`, …). Network is off, autosync on.
   * @throws {InputError} for a disk that cannot be attached.
   * @throws {GuestFsError} when the appliance does not start.
   */
  static async launch(options: LaunchOptions): Promise<GuestfsAppliance> {
    if (options.disks.length === 0) throw new GuestFsError('launch needs at least one disk', { code: 'GUESTFS_NO_DISK' });
    const accel =
      options.accel === undefined || options.accel === 'auto' ? await detectAccelerator() : { accel: options.accel, reason: 'requested by the caller' };
    options.onAccelerator?.(accel);
    const handle = await GuestfsHandle.open();
    try {
      await handle.call('guestfs_set_memsize', [options.memoryMiB ?? 1024]);
      await handle.call('guestfs_set_smp', [options.vcpus ?? 1]);
      await handle.call('guestfs_set_network', [0]);
      await handle.call('guestfs_set_autosync', [1]);
      await handle.call('guestfs_set_recovery_proc', [1]);
      if (accel.accel === 'tcg') {
        const settings = await handle.call('guestfs_get_backend_settings', []);
        if (!settings.includes('force_tcg')) {
          await handle.call('guestfs_set_backend_settings', [[...settings, 'force_tcg', null]]);
        }
      }
      for (const disk of options.disks) {
        checkHostPath(disk.path, 'disk');
        // Discard lets fstrim turn the guest's free space into zero clusters of the overlay, so the output stays sparse.
        const writable = disk.readonly !== true;
        const optargs = {
          bitmask: ADD_DRIVE_READONLY | ADD_DRIVE_FORMAT | (writable ? ADD_DRIVE_DISCARD : 0),
          readonly: writable ? 0 : 1,
          format: disk.format,
          ...(writable ? { discard: 'besteffort' } : {}),
        };
        try {
          await handle.call('guestfs_add_drive_opts_argv', [disk.path, optargs], `add drive ${disk.path}`);
        } catch (error) {
          const reason = error instanceof GuestfsCallError ? error.lastError : String(error);
          throw new InputError(disk.path, `cannot attach to libguestfs: ${reason}`, { cause: error, code: 'SOURCE_UNREADABLE' });
        }
      }
      options.logger?.info({ disks: options.disks.length, accel: accel.accel, reason: accel.reason }, 'launching libguestfs appliance');
      const started = performance.now();
      await handle.call('guestfs_launch', [], 'launch');
      const launchMs = Math.round(performance.now() - started);
      launchCount += 1;
      options.logger?.info({ launchMs, launches: launchCount }, 'libguestfs appliance running');
      const appliance = new GuestfsAppliance(handle, accel, launchMs, options.logger);
      openAppliances.add(appliance);
      installExitHook();
      return appliance;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Runs libguestfs inspection. Returns `null` when no operating system is
   * found. When several are found, the first root is used (and logged).
   */
  inspectOs(): Promise<OsInspection | null> {
    return inspectOs(this.handle, this.logger);
  }

  /** Disks and partitions holding a LUKS volume (see os-inspection.ts). */
  luksVolumes(): Promise<string[]> {
    return luksVolumes(this.handle, this.logger);
  }

  /** Opens the LUKS volumes `keys` are given for (see luks-volumes.ts). */
  async openLuksVolumes(keys: readonly LuksKey[]): Promise<OpenLuksVolume[]> {
    const opened = await openLuksVolumes(this.handle, await this.luksVolumes(), keys);
    for (const volume of opened) this.logger?.info({ device: volume.device, name: volume.name, key: volume.key.origin }, 'LUKS volume opened');
    return opened;
  }

  /**
   * Gives the opened volumes the names the guest's /etc/crypttab uses (read
   * from `root`, mounted read-only for a moment). Returns whether any was
   * renamed: inspection must then run again.
   */
  async nameLuksVolumesAsGuest(root: string, opened: OpenLuksVolume[]): Promise<boolean> {
    const at = this.layout.toAppliance('/');
    await this.handle.call('guestfs_mount_ro', [root, at], `mount ${root} read-only`);
    let crypttab = '';
    try {
      crypttab = Buffer.from(await this.handle.call('guestfs_read_file', [`${at.replace(/\/$/, '')}/etc/crypttab`])).toString('utf8');
    } catch {
      // no crypttab: the provisional names stay
    } finally {
      await this.handle.call('guestfs_umount', [at], `unmount ${root}`);
    }
    const renamed = await renameToCrypttab(this.handle, opened, crypttab);
    for (const volume of renamed) this.logger?.info({ device: volume.device, name: volume.name }, 'LUKS volume reopened under its crypttab name');
    return renamed.length > 0;
  }

  /** LVM volume groups with physical volumes on none of the attached disks (see os-inspection.ts). */
  incompleteVolumeGroups(): Promise<IncompleteVolumeGroup[]> {
    return incompleteVolumeGroups(this.handle);
  }

  /**
   * Mounts the guest read-write: the root at `/`, then the other mount points
   * parents first (`/boot` before `/boot/efi`). LVM volumes need nothing
   * here: the appliance activates every volume group when it starts.
   * A non-root mount point that fails is logged and skipped.
   *
   * For Windows, inspection reports only the system volume (C:), mounted at
   * `/`. The boot volume, when it is another partition, is mounted beside it
   * and shown under a reserved guest path (see {@link bootVolumes}): the EFI
   * system partition at {@link WINDOWS_ESP_ROOT}, a System Reserved partition
   * at {@link WINDOWS_SYSTEM_RESERVED_ROOT}. Nothing is created on C: for
   * that: each volume gets its own mount point in the appliance's root, and
   * this adapter maps guest paths onto them. A boot volume that does not
   * mount is logged and skipped.
   */
  async mountGuest(inspection: OsInspection): Promise<void> {
    const bootVolumes = inspection.type === 'windows' ? await findWindowsBootVolumes(this.#probe(), inspection.root, await this.efiSystemPartitions()) : [];
    if (bootVolumes.length > 0) {
      const system = `${APPLIANCE_VOLUMES}/system`;
      await this.handle.call('guestfs_mkmountpoint', [APPLIANCE_VOLUMES], `make mount point ${APPLIANCE_VOLUMES}`);
      await this.handle.call('guestfs_mkmountpoint', [system], `make mount point ${system}`);
      this.layout = VolumeLayout.systemAt(system);
    }
    for (const { mountpoint, device } of inspection.mountpoints) {
      if (!mountpoint.startsWith('/')) continue;
      try {
        await this.handle.call('guestfs_mount', [device, this.layout.toAppliance(mountpoint)], `mount ${device} on ${mountpoint}`);
        this.mounted.push(mountpoint);
      } catch (error) {
        if (mountpoint === '/') throw await this.#rootMountFailure(device, error);
        this.logger?.info({ mountpoint, device, error: String(error) }, 'mount point skipped');
      }
    }
    if (!this.mounted.includes('/')) {
      throw new GuestFsError(`no root file system to mount for ${inspection.root}`, { code: 'GUESTFS_UNKNOWN_ROOT' });
    }
    for (const volume of bootVolumes) await this.#mountBootVolume(volume.kind, volume.device);
  }

  /**
   * Why the root file system would not mount read-write. When it mounts
   * read-only, the kernel refuses to write it (a feature it can only read,
   * as from a newer kernel, or damage it will not write over): a clear error
   * with code `ROOT_READ_ONLY`. Otherwise the mount error as it is.
   */
  async #rootMountFailure(device: string, error: unknown): Promise<unknown> {
    const at = this.layout.toAppliance('/');
    try {
      await this.handle.call('guestfs_mount_ro', [device, at], `mount ${device} read-only`);
    } catch {
      return error;
    }
    await this.handle.call('guestfs_umount', [at], `unmount ${device}`).catch(() => undefined);
    return new GuestFsError(
      `the root file system ${device} mounts only read-only (the kernel refuses to write it: a feature it can only read, or damage; check it with fsck from a newer e2fsprogs/xfsprogs), so it cannot be repaired`,
      { code: 'ROOT_READ_ONLY', cause: error },
    );
  }

  /** Windows boot volumes mounted by {@link mountGuest}, with the guest path of each. Empty for other guests. */
  get bootVolumes(): readonly BootVolume[] {
    return this.#bootVolumes;
  }

  async #mountBootVolume(kind: BootVolume['kind'], device: string): Promise<void> {
    const root = kind === 'esp' ? WINDOWS_ESP_ROOT : WINDOWS_SYSTEM_RESERVED_ROOT;
    const appliancePath = `${APPLIANCE_VOLUMES}/${kind}`;
    try {
      await this.handle.call('guestfs_mkmountpoint', [appliancePath], `make mount point ${appliancePath}`);
      await this.handle.call('guestfs_mount', [device, appliancePath], `mount ${device} on ${root}`);
    } catch (error) {
      this.logger?.info({ kind, device, error: String(error) }, 'boot volume skipped');
      return;
    }
    this.layout = this.layout.with({ guestRoot: root, appliancePath });
    this.mounted.push(root);
    this.#bootVolumes.push({ kind, device, root });
    this.logger?.debug({ kind, device, root }, 'boot volume mounted');
  }

  /**
   * The EFI system partitions of the disks (by partition type) and whether
   * each holds the Windows boot manager's BCD store. Each ESP is mounted
   * read-only at `/` for a moment, so this must run before
   * {@link mountGuest}: libguestfs inspection of a Windows guest reports only
   * its system volume, and the ESP is what tells UEFI from BIOS. The answer
   * is kept (nothing writes to the disks before the guest is mounted), so
   * {@link mountGuest} does not look again.
   * @throws {GuestFsError} when the guest is already mounted.
   */
  async efiSystemPartitions(): Promise<EfiSystemPartition[]> {
    if (this.mounted.length > 0) throw new GuestFsError('efiSystemPartitions must run before the guest is mounted', { code: 'GUESTFS_MOUNTED' });
    this.#esps ??= scanEfiSystemPartitions(this.#probe()).catch((error: unknown) => {
      this.#esps = undefined;
      throw error;
    });
    return (await this.#esps).map((esp) => ({ ...esp }));
  }

  /** The appliance as the boot-volume search sees it. */
  #probe(): VolumeProbe {
    return { handle: this.handle, logger: this.logger, resolveCaseInsensitive: (path) => this.resolveCaseInsensitive(path) };
  }

  /**
   * Unmounts everything, shuts the appliance down (reporting write errors)
   * and frees the handle. Idempotent; later calls on this appliance fail.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      openAppliances.delete(this);
      let failure: unknown = null;
      try {
        await this.handle.call('guestfs_umount_all', [], 'unmount all');
        await this.handle.call('guestfs_shutdown', [], 'shut down the appliance');
      } catch (error) {
        failure = error;
      } finally {
        await this.handle.close();
      }
      if (failure !== null) throw failure;
    })();
    return this.#closing;
  }
}
