/**
 * Thin koffi binding of libhivex.so.0 (Debian package libhivex0). Only the
 * calls this package needs; callers get plain numbers, strings and Buffers,
 * and every block of memory libhivex hands back is freed here with libc free.
 *
 * Node and value handles are byte offsets into the hive file (`size_t`); 0
 * means "none" or "error". On failure libhivex sets errno, read right after
 * the call with `koffi.errno()`.
 */
import koffi from 'koffi';
import { constants as osConstants } from 'node:os';

/** `HIVEX_OPEN_WRITE` from hivex.h: load the whole hive in memory, editable. */
export const HIVEX_OPEN_WRITE = 4;

/** Opaque `hive_h *`. */
export type HivexHandle = unknown;

/** One entry of `hive_set_value`, as handed to {@link Hivex.setValues}. */
export interface HivexSetValue {
  key: string;
  type: number;
  bytes: Buffer;
}

/** A libhivex call that failed: which call and the errno it left. */
export class HivexCallError extends Error {
  readonly call: string;
  readonly errno: number;
  readonly errnoName: string;

  constructor(call: string, errno: number) {
    const errnoName = errnoNames.get(errno) ?? (errno === 0 ? 'no errno' : `errno ${errno}`);
    super(`${call} failed (${errnoName})`);
    this.name = 'HivexCallError';
    this.call = call;
    this.errno = errno;
    this.errnoName = errnoName;
  }
}

const errnoNames = new Map<number, string>(Object.entries(osConstants.errno).map(([name, value]) => [value, name] as const));

interface Bindings {
  open: (path: string, flags: number) => HivexHandle | null;
  close: (h: HivexHandle) => number;
  root: (h: HivexHandle) => number;
  nodeName: (h: HivexHandle, node: number) => string | null;
  nodeChildren: (h: HivexHandle, node: number) => unknown;
  nodeGetChild: (h: HivexHandle, node: number, name: string) => number;
  nodeParent: (h: HivexHandle, node: number) => number;
  nodeValues: (h: HivexHandle, node: number) => unknown;
  nodeGetValue: (h: HivexHandle, node: number, key: string) => number;
  valueKey: (h: HivexHandle, value: number) => string | null;
  valueType: (h: HivexHandle, value: number, type: number[], len: number[]) => number;
  valueValue: (h: HivexHandle, value: number, type: number[], len: number[]) => unknown;
  nodeAddChild: (h: HivexHandle, parent: number, name: string) => number;
  nodeDeleteChild: (h: HivexHandle, node: number) => number;
  nodeSetValue: (h: HivexHandle, node: number, value: RawSetValue, flags: number) => number;
  nodeSetValues: (h: HivexHandle, node: number, count: number, values: RawSetValue[], flags: number) => number;
  commit: (h: HivexHandle, path: string | null, flags: number) => number;
  free: (pointer: unknown) => void;
}

interface RawSetValue {
  key: string;
  t: number;
  len: number;
  value: Buffer;
}

/** A koffi type: a C type name or a type object. */
type TypeSpec = Parameters<typeof koffi.sizeof>[0];

let bindings: Bindings | undefined;

/** Loads the libraries once, on first use, so importing this module is free. */
function load(): Bindings {
  if (bindings) return bindings;
  const hivex = koffi.load('libhivex.so.0');
  const libc = koffi.load('libc.so.6');
  const free = libc.func('free', 'void', ['void *']);
  // Strings libhivex allocates: koffi copies them into JS, then calls free.
  const ownedString = koffi.disposable('str', free);
  const handle = koffi.pointer(koffi.opaque());
  const setValue = koffi.struct({ key: 'str', t: 'int', len: 'size_t', value: 'void *' });
  const fn = (name: string, result: TypeSpec, args: TypeSpec[]) => hivex.func(name, result, args);
  bindings = {
    open: fn('hivex_open', handle, ['str', 'int']),
    close: fn('hivex_close', 'int', [handle]),
    root: fn('hivex_root', 'size_t', [handle]),
    nodeName: fn('hivex_node_name', ownedString, [handle, 'size_t']),
    nodeChildren: fn('hivex_node_children', 'void *', [handle, 'size_t']),
    nodeGetChild: fn('hivex_node_get_child', 'size_t', [handle, 'size_t', 'str']),
    nodeParent: fn('hivex_node_parent', 'size_t', [handle, 'size_t']),
    nodeValues: fn('hivex_node_values', 'void *', [handle, 'size_t']),
    nodeGetValue: fn('hivex_node_get_value', 'size_t', [handle, 'size_t', 'str']),
    valueKey: fn('hivex_value_key', ownedString, [handle, 'size_t']),
    valueType: fn('hivex_value_type', 'int', [handle, 'size_t', koffi.out(koffi.pointer('int')), koffi.out(koffi.pointer('size_t'))]),
    valueValue: fn('hivex_value_value', 'void *', [handle, 'size_t', koffi.out(koffi.pointer('int')), koffi.out(koffi.pointer('size_t'))]),
    nodeAddChild: fn('hivex_node_add_child', 'size_t', [handle, 'size_t', 'str']),
    nodeDeleteChild: fn('hivex_node_delete_child', 'int', [handle, 'size_t']),
    nodeSetValue: fn('hivex_node_set_value', 'int', [handle, 'size_t', koffi.pointer(setValue), 'int']),
    nodeSetValues: fn('hivex_node_set_values', 'int', [handle, 'size_t', 'size_t', koffi.pointer(setValue), 'int']),
    commit: fn('hivex_commit', 'int', [handle, 'str', 'int']),
    free,
  } as Bindings;
  return bindings;
}

/** Calls `call` with errno cleared, so a 0/NULL result with errno 0 means "not there". */
function withErrno<T>(call: () => T): { result: T; errno: number } {
  koffi.errno(0);
  const result = call();
  return { result, errno: koffi.errno() };
}

/** Reads a 0-terminated `size_t` array libhivex allocated, then frees it. */
function takeOffsetList(b: Bindings, pointer: unknown): number[] {
  const offsets: number[] = [];
  try {
    for (let index = 0; ; index += 1) {
      const offset = Number(koffi.decode(pointer, index * 8, 'size_t'));
      if (offset === 0) break;
      offsets.push(offset);
    }
  } finally {
    b.free(pointer);
  }
  return offsets;
}

/** Copies `length` bytes libhivex allocated into a Buffer, then frees them. */
function takeBytes(b: Bindings, pointer: unknown, length: number): Buffer {
  try {
    return length === 0 ? Buffer.alloc(0) : Buffer.from(koffi.view(pointer, length).slice(0));
  } finally {
    b.free(pointer);
  }
}

/**
 * One open libhivex handle. Methods throw {@link HivexCallError} naming the
 * libhivex function that failed; lookups return 0 when a name is absent.
 */
export class Hivex {
  private handle: HivexHandle | null;

  private constructor(handle: HivexHandle) {
    this.handle = handle;
  }

  /** `hivex_open`; `write` adds `HIVEX_OPEN_WRITE`. */
  static open(path: string, write: boolean): Hivex {
    const b = load();
    const { result, errno } = withErrno(() => b.open(path, write ? HIVEX_OPEN_WRITE : 0));
    if (result === null) throw new HivexCallError('hivex_open', errno);
    return new Hivex(result);
  }

  private get h(): HivexHandle {
    if (this.handle === null) throw new Error('hivex handle used after close');
    return this.handle;
  }

  /** `hivex_close`; closing twice is a no-op. */
  close(): void {
    if (this.handle === null) return;
    const handle = this.handle;
    this.handle = null;
    const { result, errno } = withErrno(() => load().close(handle));
    if (result !== 0) throw new HivexCallError('hivex_close', errno);
  }

  /** `hivex_root`: the root key. */
  root(): number {
    const { result, errno } = withErrno(() => load().root(this.h));
    if (result === 0) throw new HivexCallError('hivex_root', errno);
    return Number(result);
  }

  /** `hivex_node_name`. */
  nodeName(node: number): string {
    const { result, errno } = withErrno(() => load().nodeName(this.h, node));
    if (result === null) throw new HivexCallError('hivex_node_name', errno);
    return result;
  }

  /** `hivex_node_children`: subkeys in stored (sorted) order. */
  nodeChildren(node: number): number[] {
    const b = load();
    const { result, errno } = withErrno(() => b.nodeChildren(this.h, node));
    if (result === null) throw new HivexCallError('hivex_node_children', errno);
    return takeOffsetList(b, result);
  }

  /** `hivex_node_get_child`: ASCII case-insensitive lookup (strcasecmp); 0 if absent. */
  nodeGetChild(node: number, name: string): number {
    const { result, errno } = withErrno(() => load().nodeGetChild(this.h, node, name));
    if (result === 0 && errno !== 0) throw new HivexCallError('hivex_node_get_child', errno);
    return Number(result);
  }

  /** `hivex_node_parent`. */
  nodeParent(node: number): number {
    const { result, errno } = withErrno(() => load().nodeParent(this.h, node));
    if (result === 0) throw new HivexCallError('hivex_node_parent', errno);
    return Number(result);
  }

  /** `hivex_node_values`: the values of a key, in stored order. */
  nodeValues(node: number): number[] {
    const b = load();
    const { result, errno } = withErrno(() => b.nodeValues(this.h, node));
    if (result === null) throw new HivexCallError('hivex_node_values', errno);
    return takeOffsetList(b, result);
  }

  /** `hivex_node_get_value`: ASCII case-insensitive lookup; `''` is the default value; 0 if absent. */
  nodeGetValue(node: number, key: string): number {
    const { result, errno } = withErrno(() => load().nodeGetValue(this.h, node, key));
    if (result === 0 && errno !== 0) throw new HivexCallError('hivex_node_get_value', errno);
    return Number(result);
  }

  /** `hivex_value_key`: the value name (`''` for the default value). */
  valueKey(value: number): string {
    const { result, errno } = withErrno(() => load().valueKey(this.h, value));
    if (result === null) throw new HivexCallError('hivex_value_key', errno);
    return result;
  }

  /** `hivex_value_type`: type code and data length without reading the data. */
  valueType(value: number): { type: number; length: number } {
    const type = [0];
    const length = [0];
    const { result, errno } = withErrno(() => load().valueType(this.h, value, type, length));
    if (result !== 0) throw new HivexCallError('hivex_value_type', errno);
    return { type: type[0] ?? 0, length: Number(length[0] ?? 0) };
  }

  /** `hivex_value_value`: type code and the stored bytes. */
  valueValue(value: number): { type: number; bytes: Buffer } {
    const b = load();
    const type = [0];
    const length = [0];
    const { result, errno } = withErrno(() => b.valueValue(this.h, value, type, length));
    if (result === null) throw new HivexCallError('hivex_value_value', errno);
    return { type: type[0] ?? 0, bytes: takeBytes(b, result, Number(length[0] ?? 0)) };
  }

  /** `hivex_node_add_child`: a new subkey (fails with EEXIST if the name is taken). */
  nodeAddChild(parent: number, name: string): number {
    const { result, errno } = withErrno(() => load().nodeAddChild(this.h, parent, name));
    if (result === 0) throw new HivexCallError('hivex_node_add_child', errno);
    return Number(result);
  }

  /** `hivex_node_delete_child`: removes a key and everything below it. */
  nodeDeleteChild(node: number): void {
    const { result, errno } = withErrno(() => load().nodeDeleteChild(this.h, node));
    if (result !== 0) throw new HivexCallError('hivex_node_delete_child', errno);
  }

  /** `hivex_node_set_value`: adds or replaces one value, keeping the others. */
  nodeSetValue(node: number, value: HivexSetValue): void {
    const raw = toRaw(value);
    const { result, errno } = withErrno(() => load().nodeSetValue(this.h, node, raw, 0));
    if (result !== 0) throw new HivexCallError('hivex_node_set_value', errno);
  }

  /** `hivex_node_set_values`: replaces all values of a key with `values`. */
  nodeSetValues(node: number, values: readonly HivexSetValue[]): void {
    const raw = values.map(toRaw);
    const { result, errno } = withErrno(() => load().nodeSetValues(this.h, node, raw.length, raw, 0));
    if (result !== 0) throw new HivexCallError('hivex_node_set_values', errno);
  }

  /** `hivex_commit`: writes the hive to `path`, or over the file it was opened from. */
  commit(path: string | null): void {
    const { result, errno } = withErrno(() => load().commit(this.h, path, 0));
    if (result !== 0) throw new HivexCallError('hivex_commit', errno);
  }
}

function toRaw(value: HivexSetValue): RawSetValue {
  // libhivex copies the bytes (malloc + memcpy) before returning, so the
  // Buffer only has to live for the duration of the call.
  return { key: value.key, t: value.type, len: value.bytes.length, value: value.bytes };
}
