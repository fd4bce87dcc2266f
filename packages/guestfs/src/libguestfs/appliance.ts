/**
 * The libguestfs adapter of the GuestFs port: one appliance per VM, with all
 * of the VM's disks attached, reached through the C API (see ffi.ts).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestFsError, InputError } from '@hyper2kvm/core';
import type { GuestCommandResult, GuestFilesystem, GuestFs, GuestStat } from '@hyper2kvm/core';
import { detectAccelerator } from '../accel.js';
import type { Accelerator } from '../accel.js';
import { listInitramfsImage, MAX_INITRAMFS_BYTES } from '../initramfs/list-initramfs.js';
import { checkGuestPath, checkHostPath } from './guest-path.js';
import { findIncompleteVolumeGroups, type IncompleteVolumeGroup } from './lvm-volume-groups.js';
import { VolumeLayout } from './volume-layout.js';
import { ADD_DRIVE_DISCARD, ADD_DRIVE_FORMAT, ADD_DRIVE_READONLY, ENOENT, GuestfsCallError, GuestfsHandle } from './ffi.js';

/** A disk to attach to the appliance. */
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

/** Minimal logger (a pino logger fits). */
export interface ApplianceLogger {
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface LaunchOptions {
  disks: ApplianceDisk[];
  /** `auto` (default) probes with detectAccelerator; `tcg` forces TCG; `kvm` lets libguestfs use KVM. */
  accel?: 'auto' | Accelerator;
  /** Appliance memory; default 1024 MiB. */
  memoryMiB?: number;
  logger?: ApplianceLogger;
}

/** What libguestfs inspection found about the guest's operating system. */
export interface OsInspection {
  /** Device of the root file system, e.g. `/dev/sda1` or `/dev/vg/root`. */
  root: string;
  /** Other roots found (multi-boot guests); the first root is the one used. */
  otherRoots: string[];
  /** `linux`, `windows`, … or `unknown`. */
  type: string;
  /** `ubuntu`, `rhel`, `windows`, … or `unknown`. */
  distro: string;
  productName: string;
  productVariant: string;
  majorVersion: number;
  minorVersion: number;
  arch: string;
  hostname: string;
  packageFormat: string;
  packageManagement: string;
  /** Windows only, e.g. `/Windows`. */
  windowsSystemRoot?: string;
  /** Windows only, e.g. `ControlSet001`. */
  windowsCurrentControlSet?: string;
  /** Windows only: drive letter (`C`) → device. */
  driveMappings?: Record<string, string>;
  /** Mount points the guest declares (fstab, or `/` for Windows), sorted so parents come first. */
  mountpoints: { mountpoint: string; device: string }[];
  /** Every file system that belongs to this OS. */
  filesystems: string[];
}

/** An EFI system partition and what it holds. */
export interface EfiSystemPartition {
  /** Device of the ESP, e.g. `/dev/sda1`. */
  device: string;
  /** Guest path on the ESP of the Windows boot manager's store (`/EFI/Microsoft/Boot/BCD`), when present. */
  windowsBcd?: string;
}

/** Guest path where {@link GuestfsAppliance.mountGuest} shows a Windows guest's EFI system partition. */
export const WINDOWS_ESP_ROOT = '/.hyper2kvm/esp';
/** Guest path where it shows a Windows guest's separate BIOS boot volume ("System Reserved"). */
export const WINDOWS_SYSTEM_RESERVED_ROOT = '/.hyper2kvm/system-reserved';

/** A Windows boot volume mounted beside the system volume. */
export interface BootVolume {
  /**
   * `esp`: the EFI system partition (UEFI: `\EFI\Microsoft\Boot\BCD`, `\EFI\BOOT\BOOTX64.EFI`);
   * `system-reserved`: the active NTFS partition of an MBR disk holding the BIOS boot manager
   * (`\bootmgr`, `\Boot\BCD`) when it is not the system volume.
   */
  kind: 'esp' | 'system-reserved';
  /** Device, e.g. `/dev/sda1`. */
  device: string;
  /** Guest path where its root appears: {@link WINDOWS_ESP_ROOT} or {@link WINDOWS_SYSTEM_RESERVED_ROOT}. */
  root: string;
}

/** Appliance folder (made with `mkmountpoint`, outside every guest disk) holding one mount point per volume. */
const APPLIANCE_VOLUMES = '/volumes';

/** GPT partition type of an EFI system partition. */
const ESP_GPT_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
/** MBR partition id of an EFI system partition. */
const ESP_MBR_ID = 0xef;

/** Above this size reads and writes go through a host temporary file (one libguestfs message holds at most 4 MiB). */
const INLINE_TRANSFER_LIMIT = 2 * 1024 * 1024;

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
export class GuestfsAppliance implements GuestFs {
  readonly kind = 'libguestfs';
  /** Accelerator the appliance runs with, and why. */
  readonly accel: { accel: Accelerator; reason: string };
  /** Wall time of `guestfs_launch`, in milliseconds. */
  readonly launchMs: number;

  readonly #handle: GuestfsHandle;
  readonly #logger: ApplianceLogger | undefined;
  /** Guest paths of the mounted volumes and mount points, in mount order. */
  #mounted: string[] = [];
  /** Maps guest paths to appliance paths: the identity unless Windows boot volumes are mounted beside C:. */
  #layout = VolumeLayout.identity();
  #bootVolumes: BootVolume[] = [];
  /** What {@link efiSystemPartitions} found, looked at once. */
  #esps: Promise<EfiSystemPartition[]> | undefined;
  #closing: Promise<void> | null = null;

  private constructor(
    handle: GuestfsHandle,
    accel: { accel: Accelerator; reason: string },
    launchMs: number,
    logger: ApplianceLogger | undefined,
  ) {
    this.#handle = handle;
    this.accel = accel;
    this.launchMs = launchMs;
    this.#logger = logger;
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
      options.accel === undefined || options.accel === 'auto'
        ? await detectAccelerator()
        : { accel: options.accel, reason: 'requested by the caller' };
    const handle = await GuestfsHandle.open();
    try {
      await handle.call('guestfs_set_memsize', [options.memoryMiB ?? 1024]);
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
  async inspectOs(): Promise<OsInspection | null> {
    const roots = await this.#handle.call('guestfs_inspect_os', [], 'inspect the guest');
    const [root, ...otherRoots] = roots;
    if (root === undefined) return null;
    if (otherRoots.length > 0) {
      this.#logger?.info({ root, otherRoots }, 'several operating systems found; using the first');
    }
    const h = this.#handle;
    const text = async (name: Parameters<GuestfsHandle['call']>[0]): Promise<string> =>
      String(await h.call(name, [root]));
    const type = await text('guestfs_inspect_get_type');
    const inspection: OsInspection = {
      root,
      otherRoots,
      type,
      distro: await text('guestfs_inspect_get_distro'),
      productName: await text('guestfs_inspect_get_product_name'),
      productVariant: await text('guestfs_inspect_get_product_variant'),
      majorVersion: await h.call('guestfs_inspect_get_major_version', [root]),
      minorVersion: await h.call('guestfs_inspect_get_minor_version', [root]),
      arch: await text('guestfs_inspect_get_arch'),
      hostname: await text('guestfs_inspect_get_hostname'),
      packageFormat: await text('guestfs_inspect_get_package_format'),
      packageManagement: await text('guestfs_inspect_get_package_management'),
      mountpoints: sortMountpoints(pairs(await h.call('guestfs_inspect_get_mountpoints', [root]))),
      filesystems: await h.call('guestfs_inspect_get_filesystems', [root]),
    };
    if (type === 'windows') {
      inspection.windowsSystemRoot = await text('guestfs_inspect_get_windows_systemroot');
      inspection.windowsCurrentControlSet = await text('guestfs_inspect_get_windows_current_control_set');
      const mappings = pairs(await h.call('guestfs_inspect_get_drive_mappings', [root]));
      inspection.driveMappings = Object.fromEntries(mappings.map(({ mountpoint, device }) => [mountpoint, device]));
    }
    return inspection;
  }

  /**
   * Disks and partitions that hold a LUKS volume, e.g. `/dev/sda2`.
   * Inspection and the file-system listing skip them: without the key,
   * nothing inside (a root file system, LVM) is visible. Used to tell an
   * encrypted root from a disk with no operating system at all.
   */
  async luksVolumes(): Promise<string[]> {
    const devices = await this.#handle.call('guestfs_list_devices', [], 'list disks');
    const partitions = await this.#handle.call('guestfs_list_partitions', [], 'list partitions');
    const found: string[] = [];
    for (const device of [...devices, ...partitions]) {
      try {
        if ((await this.#handle.call('guestfs_vfs_type', [device])) === 'crypto_LUKS') found.push(device);
      } catch (error) {
        // A disk with a partition table, or nothing blkid knows: not LUKS.
        this.#logger?.debug({ device, error: String(error) }, 'no file system type');
      }
    }
    return found;
  }

  /**
   * LVM volume groups whose metadata lists physical volumes that are on none
   * of the attached disks: the VM has more disks than were given. The
   * appliance still shows such a group (and activates what it can of it), so
   * its LVs exist but a root spanning the missing PV has no file system
   * inspection can read. Used to tell a missing disk from a disk with no
   * operating system at all.
   */
  async incompleteVolumeGroups(): Promise<IncompleteVolumeGroup[]> {
    const pvs = await this.#handle.call('guestfs_pvs', [], 'list LVM physical volumes');
    const presentPvUuids: string[] = [];
    for (const pv of pvs) presentPvUuids.push(await this.#handle.call('guestfs_pvuuid', [pv], `read the UUID of ${pv}`));
    const groups = [];
    for (const name of await this.#handle.call('guestfs_vgs', [], 'list LVM volume groups')) {
      groups.push({ name, pvUuids: await this.#handle.call('guestfs_vgpvuuids', [name], `list the physical volumes of ${name}`) });
    }
    return findIncompleteVolumeGroups(groups, presentPvUuids);
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
    const bootVolumes = inspection.type === 'windows' ? await this.#findWindowsBootVolumes(inspection.root) : [];
    if (bootVolumes.length > 0) {
      const system = `${APPLIANCE_VOLUMES}/system`;
      await this.#handle.call('guestfs_mkmountpoint', [APPLIANCE_VOLUMES], `make mount point ${APPLIANCE_VOLUMES}`);
      await this.#handle.call('guestfs_mkmountpoint', [system], `make mount point ${system}`);
      this.#layout = VolumeLayout.systemAt(system);
    }
    for (const { mountpoint, device } of inspection.mountpoints) {
      if (!mountpoint.startsWith('/')) continue;
      try {
        await this.#handle.call('guestfs_mount', [device, this.#layout.toAppliance(mountpoint)], `mount ${device} on ${mountpoint}`);
        this.#mounted.push(mountpoint);
      } catch (error) {
        if (mountpoint === '/') throw await this.#rootMountFailure(device, error);
        this.#logger?.info({ mountpoint, device, error: String(error) }, 'mount point skipped');
      }
    }
    if (!this.#mounted.includes('/')) {
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
    const at = this.#layout.toAppliance('/');
    try {
      await this.#handle.call('guestfs_mount_ro', [device, at], `mount ${device} read-only`);
    } catch {
      return error;
    }
    await this.#handle.call('guestfs_umount', [at], `unmount ${device}`).catch(() => undefined);
    return new GuestFsError(
      `the root file system ${device} mounts only read-only (the kernel refuses to write it: a feature it can only read, or damage; check it with fsck from a newer e2fsprogs/xfsprogs), so it cannot be repaired`,
      { code: 'ROOT_READ_ONLY', cause: error },
    );
  }

  /** Windows boot volumes mounted by {@link mountGuest}, with the guest path of each. Empty for other guests. */
  get bootVolumes(): readonly BootVolume[] {
    return this.#bootVolumes;
  }

  /**
   * The partitions holding a Windows guest's boot manager, when not the
   * system volume: the EFI system partition (the one holding the BCD store
   * if there are several) and the active NTFS partition of an MBR disk that
   * holds `\Boot\BCD` or `\bootmgr`. Looked into read-only, before mounting.
   */
  async #findWindowsBootVolumes(systemDevice: string): Promise<Omit<BootVolume, 'root'>[]> {
    const found: Omit<BootVolume, 'root'>[] = [];
    const esps = await this.efiSystemPartitions();
    const esp = esps.find((candidate) => candidate.windowsBcd !== undefined) ?? esps[0];
    if (esp) found.push({ kind: 'esp', device: esp.device });
    for (const { mountpoint: device, device: type } of pairs(await this.#handle.call('guestfs_list_filesystems', []))) {
      if (type !== 'ntfs' || device === systemDevice || !(await this.#isActiveMbrPartition(device))) continue;
      const holdsBootManager = await this.#peek(device, async () =>
        (await this.resolveCaseInsensitive('/Boot/BCD')) !== null || (await this.resolveCaseInsensitive('/bootmgr')) !== null,
      );
      if (holdsBootManager === true) {
        found.push({ kind: 'system-reserved', device });
        break;
      }
    }
    return found;
  }

  async #mountBootVolume(kind: BootVolume['kind'], device: string): Promise<void> {
    const root = kind === 'esp' ? WINDOWS_ESP_ROOT : WINDOWS_SYSTEM_RESERVED_ROOT;
    const appliancePath = `${APPLIANCE_VOLUMES}/${kind}`;
    try {
      await this.#handle.call('guestfs_mkmountpoint', [appliancePath], `make mount point ${appliancePath}`);
      await this.#handle.call('guestfs_mount', [device, appliancePath], `mount ${device} on ${root}`);
    } catch (error) {
      this.#logger?.info({ kind, device, error: String(error) }, 'boot volume skipped');
      return;
    }
    this.#layout = this.#layout.with({ guestRoot: root, appliancePath });
    this.#mounted.push(root);
    this.#bootVolumes.push({ kind, device, root });
    this.#logger?.debug({ kind, device, root }, 'boot volume mounted');
  }

  /**
   * Mounts `device` read-only at `/` for the time of `look`, then unmounts
   * it. Returns `null` (logged) when the device does not mount.
   */
  async #peek<T>(device: string, look: () => Promise<T>): Promise<T | null> {
    try {
      await this.#handle.call('guestfs_mount_ro', [device, '/'], `mount ${device} read-only`);
    } catch (error) {
      this.#logger?.info({ device, error: String(error) }, 'file system not readable');
      return null;
    }
    try {
      return await look();
    } finally {
      await this.#handle.call('guestfs_umount', ['/'], `unmount ${device}`);
    }
  }

  async #isActiveMbrPartition(device: string): Promise<boolean> {
    try {
      const disk = await this.#handle.call('guestfs_part_to_dev', [device]);
      const partnum = await this.#handle.call('guestfs_part_to_partnum', [device]);
      if ((await this.#handle.call('guestfs_part_get_parttype', [disk])) !== 'msdos') return false;
      return await this.#handle.call('guestfs_part_get_bootable', [disk, partnum]);
    } catch (error) {
      this.#logger?.debug({ device, error: String(error) }, 'not a partition');
      return false;
    }
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
    if (this.#mounted.length > 0) throw new GuestFsError('efiSystemPartitions must run before the guest is mounted', { code: 'GUESTFS_MOUNTED' });
    this.#esps ??= this.#scanEfiSystemPartitions().catch((error: unknown) => {
      this.#esps = undefined;
      throw error;
    });
    return (await this.#esps).map((esp) => ({ ...esp }));
  }

  async #scanEfiSystemPartitions(): Promise<EfiSystemPartition[]> {
    const result: EfiSystemPartition[] = [];
    for (const { mountpoint: device, device: type } of pairs(await this.#handle.call('guestfs_list_filesystems', []))) {
      if (type !== 'vfat' || !(await this.#isEsp(device))) continue;
      const bcd = await this.#peek(device, () => this.resolveCaseInsensitive('/EFI/Microsoft/Boot/BCD'));
      result.push(bcd ? { device, windowsBcd: bcd } : { device });
    }
    return result;
  }

  async #isEsp(device: string): Promise<boolean> {
    try {
      const disk = await this.#handle.call('guestfs_part_to_dev', [device]);
      const partnum = await this.#handle.call('guestfs_part_to_partnum', [device]);
      const table = await this.#handle.call('guestfs_part_get_parttype', [disk]);
      if (table === 'gpt') return (await this.#handle.call('guestfs_part_get_gpt_type', [disk, partnum])).toUpperCase() === ESP_GPT_TYPE;
      if (table === 'msdos') return (await this.#handle.call('guestfs_part_get_mbr_id', [disk, partnum])) === ESP_MBR_ID;
    } catch (error) {
      this.#logger?.debug({ device, error: String(error) }, 'not a partition');
    }
    return false;
  }

  /** Guest paths of the mount points and boot volumes this adapter mounted, in mount order. */
  get mountedPaths(): readonly string[] {
    return this.#mounted;
  }

  /** Checks a guest path and returns where it is in the appliance (see volume-layout.ts). */
  #at(path: string, what?: string): string {
    return this.#layout.toAppliance(checkGuestPath(path, what));
  }

  async readFile(path: string): Promise<Buffer> {
    const at = this.#at(path);
    // One daemon round trip (guestfs_read_file goes through a temporary file
    // on the library side). Reading one byte more than the inline limit tells
    // whether the whole file came back.
    const head = await this.#handle.call('guestfs_pread', [at, INLINE_TRANSFER_LIMIT + 1, 0], `read ${path}`);
    if (head.length <= INLINE_TRANSFER_LIMIT) return Buffer.from(head);
    return this.#withTempFile((file) => this.download(path, file).then(() => readFile(file)));
  }

  /**
   * Names of the files in an initramfs image. The image is read out (one
   * round trip per 2 MiB) and listed on the host, which decompresses far
   * faster than the appliance under TCG; nothing is extracted.
   * @throws {InputError} naming the image when it cannot be listed.
   */
  async listInitramfs(path: string): Promise<string[]> {
    const image = await this.readRange(path, 0, MAX_INITRAMFS_BYTES + 1);
    if (image.length > MAX_INITRAMFS_BYTES) throw new InputError(path, `initramfs larger than ${MAX_INITRAMFS_BYTES} bytes, not listed`);
    return listInitramfsImage(image, path);
  }

  /** Up to `length` bytes of a file from `offset`, without reading the rest (one round trip per 2 MiB). */
  async readRange(path: string, offset: number, length: number): Promise<Buffer> {
    const at = this.#at(path);
    const chunks: Buffer[] = [];
    let done = 0;
    while (done < length) {
      const count = Math.min(length - done, INLINE_TRANSFER_LIMIT);
      const chunk = Buffer.from(await this.#handle.call('guestfs_pread', [at, count, offset + done], `read ${path}`));
      chunks.push(chunk);
      done += chunk.length;
      if (chunk.length < count) break;
    }
    return Buffer.concat(chunks);
  }

  async writeFile(path: string, data: Buffer | string, options: { mode?: number } = {}): Promise<void> {
    const at = this.#at(path);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length <= INLINE_TRANSFER_LIMIT) {
      // koffi turns an empty array into NULL, which guestfs_write refuses: give it a real pointer.
      const content = bytes.length === 0 ? new Uint8Array(1) : new Uint8Array(bytes);
      await this.#handle.call('guestfs_write', [at, content, bytes.length], `write ${path}`);
    } else {
      await this.#withTempFile(async (file) => {
        await writeFile(file, bytes);
        await this.upload(file, path);
      });
    }
    if (options.mode !== undefined) await this.chmod(path, options.mode);
  }

  /** True when the path exists (a symlink counts when its target exists, as `fs.existsSync`). */
  async exists(path: string): Promise<boolean> {
    return this.#handle.call('guestfs_exists', [this.#at(path)], `check ${path}`);
  }

  async stat(path: string): Promise<GuestStat | null> {
    const at = this.#at(path);
    let raw: Record<string, number | bigint>;
    try {
      raw = await this.#handle.call('guestfs_lstatns', [at], `stat ${path}`);
    } catch (error) {
      if (error instanceof GuestfsCallError && isNotFound(error)) return null;
      throw error;
    }
    const mode = Number(raw['st_mode'] ?? 0);
    return { type: fileType(mode), size: Number(raw['st_size'] ?? 0), mode: mode & 0o7777 };
  }

  async readdir(path: string): Promise<string[]> {
    const names = await this.#handle.call('guestfs_ls', [this.#at(path)], `list ${path}`);
    return names.sort();
  }

  async readlink(path: string): Promise<string> {
    return this.#handle.call('guestfs_readlink', [this.#at(path)], `readlink ${path}`);
  }

  /** Matches of a shell glob. A boot volume's reserved prefix must be spelt out, not matched by a wildcard. */
  async glob(pattern: string): Promise<string[]> {
    const matches = await this.#handle.call('guestfs_glob_expand', [this.#at(pattern, 'glob pattern')], `glob ${pattern}`);
    // glob_expand marks directories with a trailing slash.
    return matches.map((match) => this.#layout.toGuest(match.length > 1 && match.endsWith('/') ? match.slice(0, -1) : match)).sort();
  }

  async mkdirp(path: string): Promise<void> {
    await this.#handle.call('guestfs_mkdir_p', [this.#at(path)], `mkdir -p ${path}`);
  }

  async remove(path: string): Promise<void> {
    const at = this.#at(path);
    if (this.#layout.isVolumeRoot(path)) throw new GuestFsError(`refusing to remove ${path}: it is the root of a mounted volume`, { code: 'GUEST_PATH_INVALID' });
    await this.#handle.call('guestfs_rm_rf', [at], `remove ${path}`);
  }

  async rename(from: string, to: string): Promise<void> {
    const [atFrom, atTo] = [this.#at(from), this.#at(to)];
    if (this.#layout.isVolumeRoot(from) || this.#layout.isVolumeRoot(to)) {
      throw new GuestFsError(`refusing to rename ${from} to ${to}: a volume root cannot move`, { code: 'GUEST_PATH_INVALID' });
    }
    await this.#handle.call('guestfs_mv', [atFrom, atTo], `rename ${from} to ${to}`);
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.#handle.call('guestfs_chmod', [mode & 0o7777, this.#at(path)], `chmod ${mode.toString(8)} ${path}`);
  }

  async symlink(target: string, path: string): Promise<void> {
    const at = this.#at(path);
    if (target.length === 0 || target.includes('\0')) {
      throw new GuestFsError(`symlink target ${JSON.stringify(target)} is empty or contains NUL`, { code: 'GUEST_PATH_INVALID' });
    }
    await this.#handle.call('guestfs_ln_sf', [target, at], `symlink ${path} -> ${target}`);
  }

  async upload(hostPath: string, guestPath: string): Promise<void> {
    checkHostPath(hostPath);
    await this.#handle.call('guestfs_upload', [hostPath, this.#at(guestPath)], `upload ${hostPath} to ${guestPath}`);
  }

  async download(guestPath: string, hostPath: string): Promise<void> {
    const at = this.#at(guestPath);
    checkHostPath(hostPath);
    await this.#handle.call('guestfs_download', [at, hostPath], `download ${guestPath} to ${hostPath}`);
  }

  /**
   * Runs `argv` inside the mounted guest (chrooted); the guest must have the
   * program. Refused while Windows boot volumes are mounted beside the system
   * volume: the chroot would be the appliance's folder of mount points.
   */
  async command(argv: string[]): Promise<GuestCommandResult> {
    if (argv.length === 0 || argv.some((arg) => typeof arg !== 'string' || arg.includes('\0'))) {
      throw new GuestFsError('command needs a program and arguments without NUL bytes', { code: 'GUEST_COMMAND_INVALID' });
    }
    if (!this.#layout.isIdentity) {
      throw new GuestFsError(`cannot run ${argv[0] ?? 'a command'} inside a Windows guest mounted with its boot volumes`, { code: 'GUEST_COMMAND_UNSUPPORTED' });
    }
    const stdout = await this.#handle.call('guestfs_command', [[...argv, null]], `command ${argv.join(' ')}`);
    return { stdout };
  }

  async filesystems(): Promise<GuestFilesystem[]> {
    const listed = pairs(await this.#handle.call('guestfs_list_filesystems', []));
    const disks = new Map<string, Promise<{ type: string; signature?: string } | null>>();
    const result: GuestFilesystem[] = [];
    for (const { mountpoint: device, device: type } of listed) {
      if (type === 'unknown') continue;
      const fs: GuestFilesystem = { device, type };
      const uuid = await this.#optional('guestfs_vfs_uuid', [device]);
      if (uuid) fs.uuid = uuid;
      const label = await this.#optional('guestfs_vfs_label', [device]);
      if (label) fs.label = label;
      const partuuid = await this.#partuuid(device, disks);
      if (partuuid) fs.partuuid = partuuid;
      result.push(fs);
    }
    return result;
  }

  async resolveCaseInsensitive(path: string): Promise<string | null> {
    let resolved: string;
    try {
      resolved = this.#layout.toGuest(await this.#handle.call('guestfs_case_sensitive_path', [this.#at(path)], `resolve ${path}`));
    } catch (error) {
      if (error instanceof GuestfsCallError) return null;
      throw error;
    }
    // The last component is returned as given when nothing matches it.
    return (await this.exists(resolved)) ? resolved : null;
  }

  /** Discards unused blocks of every mounted file system so conversion copies less. Best-effort. */
  async fstrim(): Promise<void> {
    for (const mountpoint of this.#mounted) {
      try {
        await this.#handle.call('guestfs_fstrim_argv', [this.#layout.toAppliance(mountpoint), { bitmask: 0, offset: 0, length: 0, minimumfreeextent: 0 }]);
      } catch (error) {
        this.#logger?.debug({ mountpoint, error: String(error) }, 'fstrim skipped');
      }
    }
  }

  /** Flushes the guest's file systems to the disks. */
  async sync(): Promise<void> {
    await this.#handle.call('guestfs_sync', [], 'sync');
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
        await this.#handle.call('guestfs_umount_all', [], 'unmount all');
        await this.#handle.call('guestfs_shutdown', [], 'shut down the appliance');
      } catch (error) {
        failure = error;
      } finally {
        await this.#handle.close();
      }
      if (failure !== null) throw failure;
    })();
    return this.#closing;
  }

  /** A string call whose failure only means "not known" (UUIDs, labels). */
  async #optional(name: 'guestfs_vfs_uuid' | 'guestfs_vfs_label', args: string[]): Promise<string | undefined> {
    try {
      return (await this.#handle.call(name, args)) || undefined;
    } catch {
      return undefined;
    }
  }

  /** PARTUUID as the kernel reports it: the GPT partition GUID, or `<MBR signature>-<partition number>`. */
  async #partuuid(
    device: string,
    disks: Map<string, Promise<{ type: string; signature?: string } | null>>,
  ): Promise<string | undefined> {
    if (!/^\/dev\/[a-z]+\d+$/.test(device)) return undefined;
    try {
      const disk = await this.#handle.call('guestfs_part_to_dev', [device]);
      const partnum = await this.#handle.call('guestfs_part_to_partnum', [device]);
      let table = disks.get(disk);
      if (table === undefined) {
        table = this.#partitionTable(disk);
        disks.set(disk, table);
      }
      const info = await table;
      if (info?.type === 'gpt') return (await this.#handle.call('guestfs_part_get_gpt_guid', [disk, partnum])).toLowerCase();
      if (info?.type === 'msdos' && info.signature) return `${info.signature}-${partnum.toString(16).padStart(2, '0')}`;
    } catch (error) {
      this.#logger?.debug({ device, error: String(error) }, 'no PARTUUID');
    }
    return undefined;
  }

  async #partitionTable(disk: string): Promise<{ type: string; signature?: string } | null> {
    try {
      const type = await this.#handle.call('guestfs_part_get_parttype', [disk]);
      if (type !== 'msdos') return { type };
      // The MBR disk signature: 4 bytes, little-endian, at offset 440.
      const bytes = Buffer.from(await this.#handle.call('guestfs_pread_device', [disk, 4, 440]));
      return { type, signature: bytes.readUInt32LE(0).toString(16).padStart(8, '0') };
    } catch {
      return null;
    }
  }

  async #withTempFile<T>(use: (file: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'hyper2kvm-guestfs-'));
    try {
      return await use(join(dir, 'data'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** libguestfs returns hashes as a flat list `[key, value, key, value, …]`. */
function pairs(flat: string[]): { mountpoint: string; device: string }[] {
  const result: { mountpoint: string; device: string }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    result.push({ mountpoint: flat[i] as string, device: flat[i + 1] as string });
  }
  return result;
}

/** Parents before children: by path length, then by name. */
export function sortMountpoints<T extends { mountpoint: string }>(entries: T[]): T[] {
  return [...entries].sort((a, b) => a.mountpoint.length - b.mountpoint.length || a.mountpoint.localeCompare(b.mountpoint));
}

function fileType(mode: number): GuestStat['type'] {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o120000:
      return 'symlink';
    default:
      return 'other';
  }
}

function isNotFound(error: GuestfsCallError): boolean {
  return error.errno === ENOENT || /No such file or directory/i.test(error.lastError);
}
