/**
 * The GuestFs port: the one way plugins and the engine touch a guest.
 *
 * Paths are absolute guest paths with `/` separators. Adapters live in
 * `@hyper2kvm/guestfs` (libguestfs appliance, host directory).
 */

/** What `stat` tells about a guest path (symlinks are not followed). */
export interface GuestStat {
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** A file system the guest has, as seen by blkid. */
export interface GuestFilesystem {
  /** Device as named inside the adapter (e.g. `/dev/sda1`, `/dev/vg/root`). */
  device: string;
  type: string;
  uuid?: string;
  label?: string;
  partuuid?: string;
  /** On-disk format version where it decides what can mount it: XFS `V4` or `V5`. */
  version?: string;
}

/** Result of a command run inside the guest. */
export interface GuestCommandResult {
  stdout: string;
}

export interface GuestFs {
  /** Adapter name, e.g. `libguestfs` or `directory`. */
  readonly kind: string;

  readFile(path: string): Promise<Buffer>;
  /** Creates or replaces a file; parent directories must exist. */
  writeFile(path: string, data: Buffer | string, options?: { mode?: number }): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** `null` when the path does not exist. Does not follow a final symlink. */
  stat(path: string): Promise<GuestStat | null>;
  /** Entry names (not paths) of a directory, sorted. */
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
  /** Absolute paths matching a shell glob (`*`, `?`, `[...]`), sorted. */
  glob(pattern: string): Promise<string[]>;
  mkdirp(path: string): Promise<void>;
  /** Removes a file, symlink or directory tree; no error if absent. */
  remove(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  /** Copies a host file into the guest. */
  upload(hostPath: string, guestPath: string): Promise<void>;
  /** Copies a guest file to the host. */
  download(guestPath: string, hostPath: string): Promise<void>;
  /**
   * Runs a program inside the guest (chrooted into its root). Adapters that
   * cannot do this throw a `GuestFsError` with code `GUEST_COMMAND_UNSUPPORTED`.
   */
  command(argv: string[]): Promise<GuestCommandResult>;
  /** File systems of the guest's disks with their identifiers. */
  filesystems(): Promise<GuestFilesystem[]>;
  /**
   * The guest path with each component matched case-insensitively, as
   * Windows sees NTFS; `null` when no such path exists.
   */
  resolveCaseInsensitive(path: string): Promise<string | null>;
  /**
   * Up to `length` bytes of a file from `offset` (fewer at its end). Optional:
   * lets callers look at the head of a huge file (hiberfil.sys) without
   * reading all of it.
   */
  readRange?(path: string, offset: number, length: number): Promise<Buffer>;
  /**
   * Names of the files an initramfs image holds, as stored in its cpio
   * archives (early uncompressed ones, then the compressed main one), e.g.
   * `usr/lib/modules/6.1.0-18-amd64/kernel/drivers/block/virtio_blk.ko`.
   * Lists only, extracts nothing. Optional: inspection uses it to tell
   * whether an initramfs already carries the virtio drivers.
   */
  listInitramfs?(path: string): Promise<string[]>;
}
