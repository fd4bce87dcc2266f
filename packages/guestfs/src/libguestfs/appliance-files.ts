/**
 * The GuestFs file port over a libguestfs handle: guest paths checked and
 * mapped onto the appliance's mounts (see volume-layout.ts), files moved in
 * one round trip when small and through a host temporary file when large.
 * The appliance (appliance.ts) extends it with launch, inspection, mounting
 * and shutdown.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestFsError, InputError } from '@hyper2kvm/core';
import type { GuestCommandResult, GuestFilesystem, GuestFs, GuestStat } from '@hyper2kvm/core';
import { listInitramfsImage, MAX_INITRAMFS_BYTES } from '../initramfs/list-initramfs.js';
import { btrfsDeviceNames, translatedBtrfsName } from './btrfs-device-names.js';
import { ENOENT, GuestfsCallError, type GuestfsHandle } from './ffi.js';
import { pairs } from './flat-pairs.js';
import { checkGuestPath, checkHostPath } from './guest-path.js';
import { VolumeLayout } from './volume-layout.js';

/** Minimal logger (a pino logger fits). */
export interface ApplianceLogger {
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Above this size reads and writes go through a host temporary file (one libguestfs message holds at most 4 MiB). */
const INLINE_TRANSFER_LIMIT = 2 * 1024 * 1024;

/** File operations on the guest mounted in a libguestfs appliance. */
export abstract class ApplianceFiles implements GuestFs {
  readonly kind = 'libguestfs';

  protected readonly handle: GuestfsHandle;
  protected readonly logger: ApplianceLogger | undefined;
  /** Guest paths of the mounted volumes and mount points, in mount order. */
  protected mounted: string[] = [];
  /** Maps guest paths to appliance paths: the identity unless Windows boot volumes are mounted beside C:. */
  protected layout = VolumeLayout.identity();

  protected constructor(handle: GuestfsHandle, logger: ApplianceLogger | undefined) {
    this.handle = handle;
    this.logger = logger;
  }

  /** Guest paths of the mount points and boot volumes this adapter mounted, in mount order. */
  get mountedPaths(): readonly string[] {
    return this.mounted;
  }

  /** Checks a guest path and returns where it is in the appliance (see volume-layout.ts). */
  protected at(path: string, what?: string): string {
    return this.layout.toAppliance(checkGuestPath(path, what));
  }

  async readFile(path: string): Promise<Buffer> {
    const at = this.at(path);
    // One daemon round trip (guestfs_read_file goes through a temporary file
    // on the library side). Reading one byte more than the inline limit tells
    // whether the whole file came back.
    const head = await this.handle.call('guestfs_pread', [at, INLINE_TRANSFER_LIMIT + 1, 0], `read ${path}`);
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
    const at = this.at(path);
    const chunks: Buffer[] = [];
    let done = 0;
    while (done < length) {
      const count = Math.min(length - done, INLINE_TRANSFER_LIMIT);
      const chunk = Buffer.from(await this.handle.call('guestfs_pread', [at, count, offset + done], `read ${path}`));
      chunks.push(chunk);
      done += chunk.length;
      if (chunk.length < count) break;
    }
    return Buffer.concat(chunks);
  }

  async writeFile(path: string, data: Buffer | string, options: { mode?: number } = {}): Promise<void> {
    const at = this.at(path);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length <= INLINE_TRANSFER_LIMIT) {
      // koffi turns an empty array into NULL, which guestfs_write refuses: give it a real pointer.
      const content = bytes.length === 0 ? new Uint8Array(1) : new Uint8Array(bytes);
      await this.handle.call('guestfs_write', [at, content, bytes.length], `write ${path}`);
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
    return this.handle.call('guestfs_exists', [this.at(path)], `check ${path}`);
  }

  async stat(path: string): Promise<GuestStat | null> {
    const at = this.at(path);
    let raw: Record<string, number | bigint>;
    try {
      raw = await this.handle.call('guestfs_lstatns', [at], `stat ${path}`);
    } catch (error) {
      if (error instanceof GuestfsCallError && isNotFound(error)) return null;
      throw error;
    }
    const mode = Number(raw['st_mode'] ?? 0);
    return { type: fileType(mode), size: Number(raw['st_size'] ?? 0), mode: mode & 0o7777 };
  }

  async readdir(path: string): Promise<string[]> {
    const names = await this.handle.call('guestfs_ls', [this.at(path)], `list ${path}`);
    return names.sort();
  }

  async readlink(path: string): Promise<string> {
    return this.handle.call('guestfs_readlink', [this.at(path)], `readlink ${path}`);
  }

  /** Matches of a shell glob. A boot volume's reserved prefix must be spelt out, not matched by a wildcard. */
  async glob(pattern: string): Promise<string[]> {
    const matches = await this.handle.call('guestfs_glob_expand', [this.at(pattern, 'glob pattern')], `glob ${pattern}`);
    // glob_expand marks directories with a trailing slash.
    return matches.map((match) => this.layout.toGuest(match.length > 1 && match.endsWith('/') ? match.slice(0, -1) : match)).sort();
  }

  async mkdirp(path: string): Promise<void> {
    await this.handle.call('guestfs_mkdir_p', [this.at(path)], `mkdir -p ${path}`);
  }

  async remove(path: string): Promise<void> {
    const at = this.at(path);
    if (this.layout.isVolumeRoot(path))
      throw new GuestFsError(`refusing to remove ${path}: it is the root of a mounted volume`, { code: 'GUEST_PATH_INVALID' });
    await this.handle.call('guestfs_rm_rf', [at], `remove ${path}`);
  }

  async rename(from: string, to: string): Promise<void> {
    const [atFrom, atTo] = [this.at(from), this.at(to)];
    if (this.layout.isVolumeRoot(from) || this.layout.isVolumeRoot(to)) {
      throw new GuestFsError(`refusing to rename ${from} to ${to}: a volume root cannot move`, { code: 'GUEST_PATH_INVALID' });
    }
    await this.handle.call('guestfs_mv', [atFrom, atTo], `rename ${from} to ${to}`);
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.handle.call('guestfs_chmod', [mode & 0o7777, this.at(path)], `chmod ${mode.toString(8)} ${path}`);
  }

  async symlink(target: string, path: string): Promise<void> {
    const at = this.at(path);
    if (target.length === 0 || target.includes('\0')) {
      throw new GuestFsError(`symlink target ${JSON.stringify(target)} is empty or contains NUL`, { code: 'GUEST_PATH_INVALID' });
    }
    await this.handle.call('guestfs_ln_sf', [target, at], `symlink ${path} -> ${target}`);
  }

  async upload(hostPath: string, guestPath: string): Promise<void> {
    checkHostPath(hostPath);
    await this.handle.call('guestfs_upload', [hostPath, this.at(guestPath)], `upload ${hostPath} to ${guestPath}`);
  }

  async download(guestPath: string, hostPath: string): Promise<void> {
    const at = this.at(guestPath);
    checkHostPath(hostPath);
    await this.handle.call('guestfs_download', [at, hostPath], `download ${guestPath} to ${hostPath}`);
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
    if (!this.layout.isIdentity) {
      throw new GuestFsError(`cannot run ${argv[0] ?? 'a command'} inside a Windows guest mounted with its boot volumes`, {
        code: 'GUEST_COMMAND_UNSUPPORTED',
      });
    }
    const stdout = await this.handle.call('guestfs_command', [[...argv, null]], `command ${argv.join(' ')}`);
    return { stdout };
  }

  async filesystems(): Promise<GuestFilesystem[]> {
    const listed = pairs(await this.handle.call('guestfs_list_filesystems', [])).map(({ mountpoint: device, device: type }) => ({ device, type }));
    const btrfsNames = btrfsDeviceNames(listed);
    const disks = new Map<string, Promise<{ type: string; signature?: string } | null>>();
    const result: GuestFilesystem[] = [];
    for (const { device: listedName, type } of listed) {
      if (type === 'unknown') continue;
      const device = translatedBtrfsName(listedName, btrfsNames);
      const fs: GuestFilesystem = { device, type };
      const uuid = await this.#optional('guestfs_vfs_uuid', [device]);
      if (uuid) fs.uuid = uuid;
      const label = await this.#optional('guestfs_vfs_label', [device]);
      if (label) fs.label = label;
      const partuuid = await this.#partuuid(device, disks);
      if (partuuid) fs.partuuid = partuuid;
      if (type === 'xfs') {
        const version = await this.#xfsVersion(device);
        if (version) fs.version = version;
      }
      result.push(fs);
    }
    return result;
  }

  /** `V4`/`V5` from the XFS superblock: the low bits of `sb_versionnum` (big-endian u16 at byte 100). */
  async #xfsVersion(device: string): Promise<string | undefined> {
    try {
      const head = Buffer.from(await this.handle.call('guestfs_pread_device', [device, 102, 0]));
      if (head.length < 102 || head.toString('latin1', 0, 4) !== 'XFSB') return undefined;
      return `V${head.readUInt16BE(100) & 0x000f}`;
    } catch {
      return undefined;
    }
  }

  async resolveCaseInsensitive(path: string): Promise<string | null> {
    let resolved: string;
    try {
      resolved = this.layout.toGuest(await this.handle.call('guestfs_case_sensitive_path', [this.at(path)], `resolve ${path}`));
    } catch (error) {
      if (error instanceof GuestfsCallError) return null;
      throw error;
    }
    // The last component is returned as given when nothing matches it.
    return (await this.exists(resolved)) ? resolved : null;
  }

  /** Discards unused blocks of every mounted file system so conversion copies less. Best-effort. */
  async fstrim(): Promise<void> {
    for (const mountpoint of this.mounted) {
      try {
        await this.handle.call('guestfs_fstrim_argv', [this.layout.toAppliance(mountpoint), { bitmask: 0, offset: 0, length: 0, minimumfreeextent: 0 }]);
      } catch (error) {
        this.logger?.debug({ mountpoint, error: String(error) }, 'fstrim skipped');
      }
    }
  }

  /** Flushes the guest's file systems to the disks. */
  async sync(): Promise<void> {
    await this.handle.call('guestfs_sync', [], 'sync');
  }

  /** A string call whose failure only means "not known" (UUIDs, labels). */
  async #optional(name: 'guestfs_vfs_uuid' | 'guestfs_vfs_label', args: string[]): Promise<string | undefined> {
    try {
      return (await this.handle.call(name, args)) || undefined;
    } catch {
      return undefined;
    }
  }

  /** PARTUUID as the kernel reports it: the GPT partition GUID, or `<MBR signature>-<partition number>`. */
  async #partuuid(device: string, disks: Map<string, Promise<{ type: string; signature?: string } | null>>): Promise<string | undefined> {
    if (!/^\/dev\/[a-z]+\d+$/.test(device)) return undefined;
    try {
      const disk = await this.handle.call('guestfs_part_to_dev', [device]);
      const partnum = await this.handle.call('guestfs_part_to_partnum', [device]);
      let table = disks.get(disk);
      if (table === undefined) {
        table = this.#partitionTable(disk);
        disks.set(disk, table);
      }
      const info = await table;
      if (info?.type === 'gpt') return (await this.handle.call('guestfs_part_get_gpt_guid', [disk, partnum])).toLowerCase();
      if (info?.type === 'msdos' && info.signature) return `${info.signature}-${partnum.toString(16).padStart(2, '0')}`;
    } catch (error) {
      this.logger?.debug({ device, error: String(error) }, 'no PARTUUID');
    }
    return undefined;
  }

  async #partitionTable(disk: string): Promise<{ type: string; signature?: string } | null> {
    try {
      const type = await this.handle.call('guestfs_part_get_parttype', [disk]);
      if (type !== 'msdos') return { type };
      // The MBR disk signature: 4 bytes, little-endian, at offset 440.
      const bytes = Buffer.from(await this.handle.call('guestfs_pread_device', [disk, 4, 440]));
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
