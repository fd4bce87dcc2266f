/** Sequential reads of exact lengths from a stream of chunks (a decompressor's output). */
export class ByteReader {
  readonly #source: AsyncIterator<Buffer>;
  #pending: Buffer = Buffer.alloc(0);
  #done = false;
  /** Bytes handed out so far. */
  position = 0;

  constructor(source: AsyncIterable<Buffer | Uint8Array>) {
    this.#source = (async function* () {
      for await (const chunk of source) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    })();
  }

  /** Exactly `length` bytes, or fewer only at the end of the stream. */
  async read(length: number): Promise<Buffer> {
    while (this.#pending.length < length && !this.#done) await this.#pull();
    const taken = this.#pending.subarray(0, length);
    this.#pending = this.#pending.subarray(taken.length);
    this.position += taken.length;
    return taken;
  }

  /** Up to `max` bytes, as soon as any are there (empty only at the end). */
  async readSome(max: number): Promise<Buffer> {
    if (this.#pending.length === 0 && !this.#done) await this.#pull();
    const taken = this.#pending.subarray(0, max);
    this.#pending = this.#pending.subarray(taken.length);
    this.position += taken.length;
    return taken;
  }

  async #pull(): Promise<void> {
    const next = await this.#source.next();
    if (next.done) {
      this.#done = true;
      return;
    }
    this.#pending = this.#pending.length === 0 ? next.value : Buffer.concat([this.#pending, next.value]);
  }
}
