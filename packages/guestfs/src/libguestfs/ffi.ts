/**
 * Binding of libguestfs.so.0 (the libguestfs C API) through koffi.
 *
 * Every call runs on a thread dedicated to its handle (see handle-worker.js),
 * so long calls (launch, command, inspection, upload, fstrim…) never block
 * Node's event loop, calls on one handle never overlap, and failures carry the
 * text of `guestfs_last_error` read on the same thread.
 */
import { Worker } from 'node:worker_threads';
import { GuestFsError } from '@hyper2kvm/core';
import type { CallSpec, HandleWorkerData, Reply, WorkerResponse } from './worker-protocol.js';

/** Layouts copied from guestfs.h of libguestfs 1.48 (stable ABI). */
const STRUCTS = {
  guestfs_add_drive_opts_argv: {
    bitmask: 'uint64_t',
    readonly: 'int',
    format: 'const char *',
    iface: 'const char *',
    name: 'const char *',
    label: 'const char *',
    protocol: 'const char *',
    server: 'const char **',
    username: 'const char *',
    secret: 'const char *',
    cachemode: 'const char *',
    discard: 'const char *',
    copyonread: 'int',
    blocksize: 'int',
  },
  guestfs_fstrim_argv: {
    bitmask: 'uint64_t',
    offset: 'int64_t',
    length: 'int64_t',
    minimumfreeextent: 'int64_t',
  },
  guestfs_statns: Object.fromEntries(
    [
      'st_dev',
      'st_ino',
      'st_mode',
      'st_nlink',
      'st_uid',
      'st_gid',
      'st_rdev',
      'st_size',
      'st_blksize',
      'st_blocks',
      'st_atime_sec',
      'st_atime_nsec',
      'st_mtime_sec',
      'st_mtime_nsec',
      'st_ctime_sec',
      'st_ctime_nsec',
      'st_spare1',
      'st_spare2',
      'st_spare3',
      'st_spare4',
      'st_spare5',
      'st_spare6',
    ].map((field) => [field, 'int64_t']),
  ),
} as const;

/** Bits of `guestfs_add_drive_opts_argv.bitmask`. */
export const ADD_DRIVE_READONLY = 1 << 0;
export const ADD_DRIVE_FORMAT = 1 << 1;
export const ADD_DRIVE_PROTOCOL = 1 << 5;
export const ADD_DRIVE_SERVER = 1 << 6;
export const ADD_DRIVE_DISCARD = 1 << 10;

const str = (name: string, params: string) => ({ prototype: `void *${name}(void *g${params})`, result: 'string' }) as const;
const strs = (name: string, params: string) => ({ prototype: `void *${name}(void *g${params})`, result: 'strings' }) as const;
const int = (name: string, params: string) => ({ prototype: `int ${name}(void *g${params})`, result: 'int' }) as const;
const int64 = (name: string, params: string) => ({ prototype: `int64_t ${name}(void *g${params})`, result: 'int64' }) as const;
const bool = (name: string, params: string) => ({ prototype: `int ${name}(void *g${params})`, result: 'bool' }) as const;

/** Every libguestfs function this package calls, by C name. */
const CALLS = {
  guestfs_set_backend_settings: int('guestfs_set_backend_settings', ', const char **settings'),
  guestfs_get_backend_settings: strs('guestfs_get_backend_settings', ''),
  guestfs_set_network: int('guestfs_set_network', ', int network'),
  guestfs_set_memsize: int('guestfs_set_memsize', ', int memsize'),
  guestfs_set_smp: int('guestfs_set_smp', ', int smp'),
  guestfs_set_autosync: int('guestfs_set_autosync', ', int autosync'),
  guestfs_set_recovery_proc: int('guestfs_set_recovery_proc', ', int recoveryproc'),
  guestfs_add_drive_opts_argv: int('guestfs_add_drive_opts_argv', ', const char *filename, const guestfs_add_drive_opts_argv *optargs'),
  guestfs_launch: int('guestfs_launch', ''),
  guestfs_shutdown: int('guestfs_shutdown', ''),
  guestfs_umount_all: int('guestfs_umount_all', ''),
  guestfs_sync: int('guestfs_sync', ''),
  guestfs_mount: int('guestfs_mount', ', const char *mountable, const char *mountpoint'),
  guestfs_mount_ro: int('guestfs_mount_ro', ', const char *mountable, const char *mountpoint'),
  guestfs_umount: int('guestfs_umount', ', const char *pathordevice'),
  guestfs_mkmountpoint: int('guestfs_mkmountpoint', ', const char *exemptpath'),
  guestfs_mountpoints: strs('guestfs_mountpoints', ''),
  guestfs_fstrim_argv: int('guestfs_fstrim_argv', ', const char *mountpoint, const guestfs_fstrim_argv *optargs'),
  guestfs_inspect_os: strs('guestfs_inspect_os', ''),
  guestfs_inspect_get_type: str('guestfs_inspect_get_type', ', const char *root'),
  guestfs_inspect_get_distro: str('guestfs_inspect_get_distro', ', const char *root'),
  guestfs_inspect_get_product_name: str('guestfs_inspect_get_product_name', ', const char *root'),
  guestfs_inspect_get_product_variant: str('guestfs_inspect_get_product_variant', ', const char *root'),
  guestfs_inspect_get_major_version: int('guestfs_inspect_get_major_version', ', const char *root'),
  guestfs_inspect_get_minor_version: int('guestfs_inspect_get_minor_version', ', const char *root'),
  guestfs_inspect_get_arch: str('guestfs_inspect_get_arch', ', const char *root'),
  guestfs_inspect_get_hostname: str('guestfs_inspect_get_hostname', ', const char *root'),
  guestfs_inspect_get_package_format: str('guestfs_inspect_get_package_format', ', const char *root'),
  guestfs_inspect_get_package_management: str('guestfs_inspect_get_package_management', ', const char *root'),
  guestfs_inspect_get_windows_systemroot: str('guestfs_inspect_get_windows_systemroot', ', const char *root'),
  guestfs_inspect_get_windows_current_control_set: str('guestfs_inspect_get_windows_current_control_set', ', const char *root'),
  guestfs_inspect_get_drive_mappings: strs('guestfs_inspect_get_drive_mappings', ', const char *root'),
  guestfs_inspect_get_mountpoints: strs('guestfs_inspect_get_mountpoints', ', const char *root'),
  guestfs_inspect_get_filesystems: strs('guestfs_inspect_get_filesystems', ', const char *root'),
  guestfs_read_file: { prototype: 'void *guestfs_read_file(void *g, const char *path, _Out_ size_t *size_r)', result: 'buffer' } as const,
  guestfs_pread: {
    prototype: 'void *guestfs_pread(void *g, const char *path, int count, int64_t offset, _Out_ size_t *size_r)',
    result: 'buffer',
  } as const,
  guestfs_pread_device: {
    prototype: 'void *guestfs_pread_device(void *g, const char *device, int count, int64_t offset, _Out_ size_t *size_r)',
    result: 'buffer',
  } as const,
  guestfs_write: int('guestfs_write', ', const char *path, const void *content, size_t size'),
  guestfs_exists: bool('guestfs_exists', ', const char *path'),
  guestfs_lstatns: {
    prototype: 'void *guestfs_lstatns(void *g, const char *path)',
    result: 'struct',
    struct: 'guestfs_statns',
    free: 'guestfs_free_statns',
  } as const,
  guestfs_free_statns: { prototype: 'void guestfs_free_statns(void *stat)', result: 'void' } as const,
  guestfs_ls: strs('guestfs_ls', ', const char *directory'),
  guestfs_readlink: str('guestfs_readlink', ', const char *path'),
  guestfs_glob_expand: strs('guestfs_glob_expand', ', const char *pattern'),
  guestfs_mkdir_p: int('guestfs_mkdir_p', ', const char *path'),
  guestfs_rm_rf: int('guestfs_rm_rf', ', const char *path'),
  guestfs_mv: int('guestfs_mv', ', const char *src, const char *dest'),
  guestfs_chmod: int('guestfs_chmod', ', int mode, const char *path'),
  guestfs_ln_sf: int('guestfs_ln_sf', ', const char *target, const char *linkname'),
  guestfs_upload: int('guestfs_upload', ', const char *filename, const char *remotefilename'),
  guestfs_download: int('guestfs_download', ', const char *remotefilename, const char *filename'),
  guestfs_command: str('guestfs_command', ', const char **arguments'),
  guestfs_list_filesystems: strs('guestfs_list_filesystems', ''),
  guestfs_list_devices: strs('guestfs_list_devices', ''),
  guestfs_list_partitions: strs('guestfs_list_partitions', ''),
  guestfs_vfs_type: str('guestfs_vfs_type', ', const char *mountable'),
  guestfs_vfs_uuid: str('guestfs_vfs_uuid', ', const char *mountable'),
  guestfs_vfs_label: str('guestfs_vfs_label', ', const char *mountable'),
  guestfs_vgs: strs('guestfs_vgs', ''),
  guestfs_luks_open: int('guestfs_luks_open', ', const char *device, const char *key, const char *mapname'),
  guestfs_luks_close: int('guestfs_luks_close', ', const char *device'),
  guestfs_vgscan: int('guestfs_vgscan', ''),
  guestfs_vg_activate_all: int('guestfs_vg_activate_all', ', int activate'),
  guestfs_pvs: strs('guestfs_pvs', ''),
  guestfs_vgpvuuids: strs('guestfs_vgpvuuids', ', const char *vgname'),
  guestfs_pvuuid: str('guestfs_pvuuid', ', const char *device'),
  guestfs_part_to_dev: str('guestfs_part_to_dev', ', const char *partition'),
  guestfs_part_to_partnum: int('guestfs_part_to_partnum', ', const char *partition'),
  guestfs_part_get_parttype: str('guestfs_part_get_parttype', ', const char *device'),
  guestfs_part_get_gpt_guid: str('guestfs_part_get_gpt_guid', ', const char *device, int partnum'),
  guestfs_part_get_gpt_type: str('guestfs_part_get_gpt_type', ', const char *device, int partnum'),
  guestfs_part_get_mbr_id: int('guestfs_part_get_mbr_id', ', const char *device, int partnum'),
  guestfs_part_get_bootable: bool('guestfs_part_get_bootable', ', const char *device, int partnum'),
  guestfs_btrfs_subvolume_show: strs('guestfs_btrfs_subvolume_show', ', const char *subvolume'),
  guestfs_btrfs_subvolume_get_default: int64('guestfs_btrfs_subvolume_get_default', ', const char *fs'),
  guestfs_case_sensitive_path: str('guestfs_case_sensitive_path', ', const char *path'),
} satisfies Record<string, CallSpec>;

/** C name of a libguestfs function this binding knows. */
export type GuestfsCallName = keyof typeof CALLS;

/** JS value each result kind produces. */
interface ResultValue {
  void: null;
  int: number;
  int64: number;
  bool: boolean;
  string: string;
  strings: string[];
  buffer: Uint8Array;
  struct: Record<string, number | bigint>;
}
type ResultOf<N extends GuestfsCallName> = ResultValue[(typeof CALLS)[N]['result']];

/** Argument accepted by a bound call (the handle is added by the binding). */
export type GuestfsArg = string | number | bigint | null | Uint8Array | (string | null)[] | Record<string, unknown>;

/** A failed libguestfs call: `message` is `libguestfs: <what>: <guestfs_last_error>`. */
export class GuestfsCallError extends GuestFsError {
  /** C function that failed, e.g. `guestfs_mount`. */
  readonly call: string;
  /** `guestfs_last_errno` (0 when libguestfs did not record one). */
  readonly errno: number;
  /** The raw `guestfs_last_error` text. */
  readonly lastError: string;

  constructor(call: string, context: string, lastError: string, errno: number) {
    super(`libguestfs: ${context}: ${stripCallPrefix(call, lastError)}`, { code: 'GUESTFS_CALL_FAILED' });
    this.call = call;
    this.errno = errno;
    this.lastError = lastError;
  }
}

/** `mount: …` repeats what the context already says: keep the message short. */
function stripCallPrefix(call: string, lastError: string): string {
  const prefix = `${call.replace(/^guestfs_/, '')}: `;
  return (lastError.startsWith(prefix) ? lastError.slice(prefix.length) : lastError).trim();
}

interface Pending {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

/** The handle thread's module, beside this one in the sources and in dist. */
const HANDLE_WORKER = new URL('./handle-worker.js', import.meta.url);

/** `errno` values libguestfs reports that callers test for. */
export const ENOENT = 2;

/**
 * One libguestfs handle (`guestfs_h`) living on its own thread.
 * Calls are queued and run one at a time, in order.
 */
export class GuestfsHandle {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed: Promise<void> | null = null;
  #dead: Error | null = null;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (message: WorkerResponse) => {
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      this.#updateRef();
      pending.resolve(message.reply);
    });
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new GuestFsError(`libguestfs handle thread exited (code ${code})`)));
  }

  /**
   * Creates a handle (`guestfs_create_flags(0)`) on a new thread.
   * @param library shared object to load; default `libguestfs.so.0`.
   */
  static async open(library = 'libguestfs.so.0'): Promise<GuestfsHandle> {
    const workerData: HandleWorkerData = { library, structs: STRUCTS, calls: CALLS };
    const worker = new Worker(HANDLE_WORKER, { workerData });
    const handle = new GuestfsHandle(worker);
    const ready = await new Promise<Reply>((resolve, reject) => {
      handle.#pending.set(0, { resolve, reject });
    }).catch((error: unknown) => {
      throw new GuestFsError(`cannot load ${library} through koffi: ${String(error)}`, { cause: error });
    });
    if (!ready.ok) throw new GuestFsError(`cannot create a libguestfs handle: ${ready.message ?? ''}`);
    handle.#updateRef();
    return handle;
  }

  /**
   * Calls a libguestfs function. The handle is passed as first argument.
   * @param context what the call does, for the error message (default: the call's name and arguments).
   * @throws {GuestfsCallError} when the function reports an error.
   */
  async call<N extends GuestfsCallName>(name: N, args: GuestfsArg[], context?: string): Promise<ResultOf<N>> {
    const reply = await this.#send({ type: 'call', name, args });
    if (!reply.ok) {
      throw new GuestfsCallError(name, context ?? describeCall(name, args), reply.message ?? '', reply.errno ?? 0);
    }
    return reply.value as ResultOf<N>;
  }

  /** Closes the handle (`guestfs_close`, which also stops the appliance) and ends its thread. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#dead === null) await this.#send({ type: 'close' }).catch(() => undefined);
      await this.#worker.terminate();
    })();
    return this.#closed;
  }

  #send(message: { type: 'call'; name: string; args: GuestfsArg[] } | { type: 'close' }): Promise<Reply> {
    if (this.#dead !== null) return Promise.reject(this.#dead);
    if (this.#closed !== null && message.type === 'call') {
      return Promise.reject(new GuestFsError('libguestfs handle is closed', { code: 'GUESTFS_CLOSED' }));
    }
    const id = this.#nextId++;
    const reply = new Promise<Reply>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#updateRef();
    this.#worker.postMessage({ ...message, id });
    return reply;
  }

  /** Keep Node alive only while a call is in flight: a forgotten handle must not hang the process. */
  #updateRef(): void {
    if (this.#pending.size > 0) this.#worker.ref();
    else this.#worker.unref();
  }

  #fail(error: Error): void {
    this.#dead ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/** Arguments that carry secrets, by call: never shown in an error, whatever the caller passes as context. */
const SECRET_ARGUMENTS: Partial<Record<string, readonly number[]>> = { guestfs_luks_open: [1] };

/** `name arg1 arg2…` for an error message, secrets replaced by `***`. */
export function describeCall(name: string, args: GuestfsArg[]): string {
  const secret = SECRET_ARGUMENTS[name] ?? [];
  const shown = args.flatMap((arg, index) => (secret.includes(index) ? ['***'] : typeof arg === 'string' || typeof arg === 'number' ? [String(arg)] : []));
  return [name.replace(/^guestfs_/, ''), ...shown].join(' ');
}
