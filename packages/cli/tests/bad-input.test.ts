/** Bad sources through the command: one line naming the file, exit 1 or 2, no stack, nothing written. */
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const run = runCli;

/** A tar header for one member, enough for a hostile OVA. */
function tarMember(name: string, content: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const body = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  body.write(content);
  return Buffer.concat([header, body]);
}

describe('bad sources', () => {
  const cases: [string, (dir: string) => Promise<string>, RegExp][] = [
    [
      'a zero-byte disk',
      async (dir) => {
        await writeFile(join(dir, 'empty.vmdk'), '');
        return 'empty.vmdk';
      },
      /^.*empty\.vmdk: .*empty/,
    ],
    [
      'random bytes named .vmdk',
      async (dir) => {
        await writeFile(join(dir, 'random.vmdk'), Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919) % 251)));
        return 'random.vmdk';
      },
      /^.*random\.vmdk: not a VMDK/,
    ],
    [
      'an OVA member that would leave the folder',
      async (dir) => {
        await writeFile(join(dir, 'evil.ova'), Buffer.concat([tarMember('../x', 'boom'), Buffer.alloc(1024)]));
        return 'evil.ova';
      },
      /^.*evil\.ova: member "\.\.\/x" would leave/,
    ],
  ];

  it.each(cases)('%s', async (_label, make, expected) => {
    const dir = await mkdtemp(join(tmpdir(), 'h2k-bad-'));
    const source = await make(dir);
    const before = (await readdir(dir)).sort();
    const result = await run(['migrate', source, '--output', 'out'], dir);
    expect([1, 2]).toContain(result.code);
    // Progress lines (» step) may precede the error; the error itself is one line.
    const lines = result.stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('» '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect((await readdir(dir)).sort()).toEqual(before);
  });
});
