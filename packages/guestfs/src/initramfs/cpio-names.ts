/**
 * Reads the entry names of newc cpio archives (the format the kernel unpacks
 * an initramfs from) as bytes stream in, skipping the file data: a listing,
 * never an extraction.
 */

/** `070701` (newc) and `070702` (newc with checksums): the only cpio formats the kernel accepts. */
const NEWC_MAGICS = ['070701', '070702'];
const HEADER_SIZE = 110;
/** Offsets of the hex fields the listing needs, in a newc header. */
const FILESIZE_AT = 54;
const NAMESIZE_AT = 94;
const TRAILER = 'TRAILER!!!';

const pad4 = (length: number): number => (4 - (length % 4)) % 4;

/** A stream of cpio archives that does not follow the newc format. */
export class CpioFormatError extends Error {}

/**
 * Incremental newc parser. Several archives may follow each other, with NUL
 * padding between them (as the kernel allows). After a `TRAILER!!!`, a byte
 * that is neither padding nor a cpio magic ends the cpio data: `stoppedAt`
 * then gives its offset (where a compressed archive starts in an initramfs).
 */
export class CpioNameReader {
  /** Entry names in archive order (`TRAILER!!!` left out), as stored (`usr/lib/…`, `.`). */
  readonly names: string[] = [];
  /** Archives whose trailer was reached. */
  archives = 0;
  /** Offset (in bytes pushed so far) of the first byte that is not cpio data, once found. */
  stoppedAt: number | undefined;

  #offset = 0;
  #pending: Buffer = Buffer.alloc(0);
  /** Bytes of file data (and padding) still to skip. */
  #skip = 0;
  /** Between archives (or before the first): NUL padding or a new archive may follow. */
  #between = true;

  /** Feeds the next bytes. Throws {@link CpioFormatError} on a header that is not newc. */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.stoppedAt === undefined) {
      if (this.#skip > 0) {
        const skipped = Math.min(this.#skip, chunk.length - at);
        this.#skip -= skipped;
        at += skipped;
        continue;
      }
      if (this.#between && this.#pending.length === 0) {
        if (chunk[at] === 0) {
          at += 1;
          continue;
        }
        if (chunk[at] !== 0x30 /* '0' */) {
          this.stoppedAt = this.#offset + at;
          break;
        }
      }
      // Collect a whole header and name before decoding them.
      const need = this.#headerLength();
      const take = Math.min(need - this.#pending.length, chunk.length - at);
      this.#pending = Buffer.concat([this.#pending, chunk.subarray(at, at + take)]);
      at += take;
      if (this.#pending.length === need && this.#tryEntry()) this.#pending = Buffer.alloc(0);
    }
    this.#offset += chunk.length;
  }

  /** True when the bytes pushed end on an archive boundary (nothing cut in the middle of an entry). */
  get complete(): boolean {
    return this.#between && this.#pending.length === 0 && this.#skip === 0 && this.archives > 0;
  }

  /** Bytes the current header needs: the fixed part, then with its name and padding once the name size is known. */
  #headerLength(): number {
    if (this.#pending.length < HEADER_SIZE) return HEADER_SIZE;
    const magic = this.#pending.toString('latin1', 0, 6);
    if (!NEWC_MAGICS.includes(magic)) {
      throw new CpioFormatError(`not a newc cpio header at byte ${this.#offset}: magic ${JSON.stringify(magic)}`);
    }
    const nameSize = this.#hexField(NAMESIZE_AT);
    return HEADER_SIZE + nameSize + pad4(HEADER_SIZE + nameSize);
  }

  /** Decodes the pending header once it is whole; false while its name is still missing. */
  #tryEntry(): boolean {
    if (this.#pending.length < this.#headerLength()) return false;
    const nameSize = this.#hexField(NAMESIZE_AT);
    const name = this.#pending.toString('latin1', HEADER_SIZE, HEADER_SIZE + Math.max(0, nameSize - 1));
    const fileSize = this.#hexField(FILESIZE_AT);
    if (name === TRAILER) {
      this.archives += 1;
      this.#between = true;
    } else {
      this.names.push(name);
      this.#between = false;
    }
    this.#skip = fileSize + pad4(fileSize);
    return true;
  }

  #hexField(at: number): number {
    const text = this.#pending.toString('latin1', at, at + 8);
    if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new CpioFormatError(`bad newc header field ${JSON.stringify(text)} at byte ${this.#offset}`);
    return Number.parseInt(text, 16);
  }
}
