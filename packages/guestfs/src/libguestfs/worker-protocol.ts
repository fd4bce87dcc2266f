/**
 * What the main thread and a handle's worker thread (handle-worker.js) say
 * to each other: the worker's start data, the requests, the replies. Both
 * sides are type-checked against these declarations.
 */

/** How a call's C result is turned into a JS value (and freed). */
export type ResultKind = 'void' | 'int' | 'int64' | 'bool' | 'string' | 'strings' | 'buffer' | 'struct';

/** How the worker declares and decodes one libguestfs function. */
export interface CallSpec {
  /**
   * koffi prototype; the first parameter is always the handle. Pointer
   * results are declared `void *` so the worker can decode, then free them.
   */
  prototype: string;
  result: ResultKind;
  /** For `struct` results: the struct type and the function that frees it. */
  struct?: string;
  free?: string;
}

/** The worker's `workerData`: the library to load, the structs to declare, the calls it may make. */
export interface HandleWorkerData {
  library: string;
  structs: Record<string, Record<string, string>>;
  calls: Record<string, CallSpec>;
}

/** A message to the worker: a call on the handle, or closing it. */
export type WorkerRequest = { id: number; type: 'call'; name: string; args: unknown[] } | { id: number; type: 'close' };

/** The result of one request (`id` 0 is the worker saying it is ready). */
export interface Reply {
  ok: boolean;
  value?: unknown;
  message?: string;
  errno?: number;
}

/** A message from the worker. */
export interface WorkerResponse {
  id: number;
  reply: Reply;
}
