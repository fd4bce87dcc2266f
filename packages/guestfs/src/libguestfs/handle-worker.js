// @ts-check
/**
 * The thread that owns one libguestfs handle.
 *
 * libguestfs keeps the last error in thread-local storage, so the thread that
 * makes a call must also be the one that reads `guestfs_last_error`. koffi's
 * `fn.async` runs each call on whichever libuv pool thread is free, which
 * loses the message (and prints it to stderr from that thread). Instead, each
 * handle gets one `worker_threads` Worker that makes plain synchronous koffi
 * calls: the main event loop stays free, errors stay on the right thread,
 * and the Worker's message queue runs one call at a time for the handle.
 *
 * Plain JavaScript, type-checked by tsc (`checkJs`) against
 * worker-protocol.ts, so the same file runs from the sources (tests) and from
 * the built package. It knows nothing about libguestfs calls: prototypes,
 * result kinds and structs come from the main thread (see ffi.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import koffi from 'koffi';

/** @typedef {import('./worker-protocol.js').HandleWorkerData} HandleWorkerData */
/** @typedef {import('./worker-protocol.js').Reply} Reply */
/** @typedef {import('./worker-protocol.js').WorkerRequest} WorkerRequest */

if (!parentPort) throw new Error('handle-worker.js runs as a worker thread only');
const port = parentPort;
const data = /** @type {HandleWorkerData} */ (workerData);

const lib = koffi.load(data.library);
for (const [name, fields] of Object.entries(data.structs)) koffi.struct(name, fields);

const create = lib.func('void *guestfs_create_flags(unsigned int flags)');
const close = lib.func('void guestfs_close(void *g)');
const lastError = lib.func('const char *guestfs_last_error(void *g)');
const lastErrno = lib.func('int guestfs_last_errno(void *g)');
const setErrorHandler = lib.func('void guestfs_set_error_handler(void *g, void *cb, void *opaque)');

const g = create(0);
if (g === null) throw new Error('guestfs_create_flags returned NULL');
// Errors are read from the handle after each call; do not also print them.
setErrorHandler(g, null, null);

/** @type {Map<string, koffi.KoffiFunction>} */
const declared = new Map();

/** @param {string} name */
function declare(name) {
  let fn = declared.get(name);
  if (fn === undefined) {
    const spec = data.calls[name];
    if (spec === undefined) throw new Error(`unknown libguestfs call ${name}`);
    fn = lib.func(spec.prototype);
    declared.set(name, fn);
  }
  return fn;
}

/** @param {string} name @returns {Reply} */
function fail(name) {
  return { ok: false, message: lastError(g) ?? `${name} failed`, errno: lastErrno(g) };
}

/** @param {unknown} ptr @returns {string} */
function readCString(ptr) {
  return koffi.decode(ptr, 'char', -1);
}

/** @param {string} name @param {unknown[]} args @returns {Reply} */
function run(name, args) {
  const spec = data.calls[name];
  if (spec === undefined) throw new Error(`unknown libguestfs call ${name}`);
  const fn = declare(name);
  switch (spec.result) {
    case 'void':
      fn(g, ...args);
      return { ok: true, value: null };
    case 'int':
    case 'int64':
    case 'bool': {
      const r = fn(g, ...args);
      if (Number(r) === -1) return fail(name);
      return { ok: true, value: spec.result === 'bool' ? Number(r) !== 0 : Number(r) };
    }
    case 'string': {
      const ptr = fn(g, ...args);
      if (ptr === null) return fail(name);
      const value = readCString(ptr);
      koffi.free(ptr);
      return { ok: true, value };
    }
    case 'strings': {
      const list = fn(g, ...args);
      if (list === null) return fail(name);
      const value = [];
      for (let i = 0; ; i++) {
        const item = koffi.decode(list, i * koffi.sizeof('void *'), 'void *');
        if (item === null) break;
        value.push(readCString(item));
        koffi.free(item);
      }
      koffi.free(list);
      return { ok: true, value };
    }
    case 'buffer': {
      const size = [0];
      const ptr = fn(g, ...args, size);
      if (ptr === null) return fail(name);
      const length = Number(size[0]);
      const value = length === 0 ? new Uint8Array(0) : new Uint8Array(koffi.view(ptr, length).slice(0));
      koffi.free(ptr);
      return { ok: true, value };
    }
    case 'struct': {
      const ptr = fn(g, ...args);
      if (ptr === null) return fail(name);
      if (spec.struct === undefined || spec.free === undefined) throw new Error(`${name}: a struct result needs its struct and free function`);
      const value = koffi.decode(ptr, spec.struct);
      declare(spec.free)(ptr);
      return { ok: true, value };
    }
    default:
      throw new Error(`unknown result kind ${String(spec.result)}`);
  }
}

port.on('message', (/** @type {WorkerRequest} */ message) => {
  if (message.type === 'close') {
    close(g);
    port.postMessage({ id: message.id, reply: { ok: true, value: null } });
    port.close();
    return;
  }
  /** @type {Reply} */
  let reply;
  try {
    reply = run(message.name, message.args);
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error), errno: 0 };
  }
  port.postMessage({ id: message.id, reply });
});
port.postMessage({ id: 0, reply: { ok: true, value: 'ready' } });
