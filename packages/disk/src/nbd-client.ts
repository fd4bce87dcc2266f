/**
 * The few NBD requests hyper2kvm sends to a local `qemu-nbd` (fixed newstyle
 * handshake, then WRITE, FLUSH, DISC): writing guest data into an image in a
 * format only qemu should encode (a qcow2 layer on a VHDX base).
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { ByteReader } from './byte-reader.js';

const NBDMAGIC = Buffer.from('NBDMAGIC', 'latin1');
const IHAVEOPT = Buffer.from('IHAVEOPT', 'latin1');
const REQUEST_MAGIC = 0x25609513;
const REPLY_MAGIC = 0x67446698;
const FLAG_FIXED_NEWSTYLE = 1;
const FLAG_NO_ZEROES = 2;
const OPT_EXPORT_NAME = 1;
const CMD_WRITE = 1;
const CMD_DISC = 2;
const CMD_FLUSH = 3;

export class NbdClient {
  readonly #socket: Socket;
  readonly #reader: ByteReader;
  /** Size of the export in bytes. */
  readonly size: number;
  #cookie = 0n;

  private constructor(socket: Socket, reader: ByteReader, size: number) {
    this.#socket = socket;
    this.#reader = reader;
    this.size = size;
  }

  /** Connects to the unix socket and negotiates the default export. */
  static async connect(socketPath: string): Promise<NbdClient> {
    const socket = connect({ path: socketPath });
    await once(socket, 'connect');
    const reader = new ByteReader(socket);
    const greeting = await reader.read(18);
    if (!greeting.subarray(0, 8).equals(NBDMAGIC) || !greeting.subarray(8, 16).equals(IHAVEOPT)) {
      socket.destroy();
      throw new Error('the NBD server did not offer the newstyle handshake');
    }
    const serverFlags = greeting.readUInt16BE(16);
    const noZeroes = (serverFlags & FLAG_NO_ZEROES) !== 0;
    const clientFlags = Buffer.alloc(4);
    clientFlags.writeUInt32BE(FLAG_FIXED_NEWSTYLE | (noZeroes ? FLAG_NO_ZEROES : 0));
    const option = Buffer.alloc(16);
    IHAVEOPT.copy(option, 0);
    option.writeUInt32BE(OPT_EXPORT_NAME, 8);
    option.writeUInt32BE(0, 12); // the default export: ""
    socket.write(Buffer.concat([clientFlags, option]));
    const info = await reader.read(10 + (noZeroes ? 0 : 124));
    if (info.length < 10) throw new Error('the NBD server closed the connection during the handshake');
    return new NbdClient(socket, reader, Number(info.readBigUInt64BE(0)));
  }

  /** Writes `data` at `offset` and waits for the server to confirm it. */
  async write(offset: number, data: Buffer): Promise<void> {
    await this.#request(CMD_WRITE, offset, data.length, data);
  }

  /** Asks the server to make everything written so far durable. */
  async flush(): Promise<void> {
    await this.#request(CMD_FLUSH, 0, 0);
  }

  /** Ends the session (qemu-nbd exits after its last client unless persistent). */
  async close(): Promise<void> {
    const header = this.#header(CMD_DISC, 0, 0);
    this.#socket.end(header);
    await once(this.#socket, 'close').catch(() => undefined);
  }

  #header(type: number, offset: number, length: number): Buffer {
    const header = Buffer.alloc(28);
    header.writeUInt32BE(REQUEST_MAGIC, 0);
    header.writeUInt16BE(0, 4);
    header.writeUInt16BE(type, 6);
    this.#cookie += 1n;
    header.writeBigUInt64BE(this.#cookie, 8);
    header.writeBigUInt64BE(BigInt(offset), 16);
    header.writeUInt32BE(length, 24);
    return header;
  }

  async #request(type: number, offset: number, length: number, data?: Buffer): Promise<void> {
    const header = this.#header(type, offset, length);
    const cookie = this.#cookie;
    const headerFlushed = this.#socket.write(header);
    const dataFlushed = data === undefined || this.#socket.write(data);
    if (!headerFlushed || !dataFlushed) await once(this.#socket, 'drain');
    const reply = await this.#reader.read(16);
    if (reply.length < 16 || reply.readUInt32BE(0) !== REPLY_MAGIC) throw new Error('the NBD server sent a malformed reply');
    if (reply.readBigUInt64BE(8) !== cookie) throw new Error('the NBD server answered another request');
    const error = reply.readUInt32BE(4);
    if (error !== 0) throw new Error(`the NBD server refused a request (error ${error})`);
  }
}
