// A minimal tar writer for tests: enough to build archives the index must
// read, including names GNU tar would refuse to store (absolute, `..`).

export interface TarEntry {
  name: string;
  data?: Buffer;
  /** How to store a name longer than 100 bytes; `plain` truncates nothing and fails. */
  longName?: 'gnu' | 'pax';
  type?: '0' | '5' | '2';
}

const BLOCK = 512;

function header(name: string, size: number, type: string, magic: 'ustar' | 'gnu'): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write('00000000000\0', 136, 'latin1');
  block.write(type, 156, 'latin1');
  if (magic === 'ustar') block.write('ustar\x0000', 257, 'latin1');
  else block.write('ustar  \0', 257, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length;
  while (`${length}${body}`.length !== length) length = `${length}${body}`.length;
  return `${length}${body}`;
}

/** Builds a tar archive in memory. */
export function buildTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data ?? Buffer.alloc(0);
    const type = entry.type ?? '0';
    let storedName = entry.name;
    if (entry.longName === 'gnu') {
      const name = Buffer.from(`${entry.name}\0`);
      parts.push(header('././@LongLink', name.length, 'L', 'gnu'), padded(name));
      storedName = entry.name.slice(0, 99);
    } else if (entry.longName === 'pax') {
      const records = Buffer.from(paxRecord('path', entry.name));
      parts.push(header('PaxHeader/x', records.length, 'x', 'ustar'), padded(records));
      storedName = entry.name.slice(0, 99);
    }
    parts.push(header(storedName, data.length, type, 'ustar'), padded(data));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
