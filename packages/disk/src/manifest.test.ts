import { describe, expect, it } from 'vitest';
import { parseManifest } from './manifest.js';

const SHA1 = 'a'.repeat(40);
const SHA256 = 'B'.repeat(64);
const SHA512 = 'c'.repeat(128);

describe('parseManifest', () => {
  it('reads the line forms tools write: ovftool, coreutils --tag / VirtualBox, OpenSSL 3, CRLF', () => {
    const text = [`SHA1(vm.ovf)= ${SHA1}`, `SHA256 (disk 1.vmdk) = ${SHA256}`, `SHA2-512(sub/disk2.vmdk)=${SHA512}`, `SHA256(x.iso)= ${SHA256}\r`, ''].join(
      '\n',
    );
    const parsed = parseManifest(text);
    expect(parsed.malformed).toEqual([]);
    expect(parsed.entries).toEqual([
      { name: 'vm.ovf', algorithm: 'SHA1', digest: SHA1, line: 1 },
      { name: 'disk 1.vmdk', algorithm: 'SHA256', digest: SHA256.toLowerCase(), line: 2 },
      { name: 'sub/disk2.vmdk', algorithm: 'SHA512', digest: SHA512, line: 3 },
      { name: 'x.iso', algorithm: 'SHA256', digest: SHA256.toLowerCase(), line: 4 },
    ]);
  });

  it('reports unknown algorithms, wrong digest lengths and other lines, never throwing', () => {
    const parsed = parseManifest(`MD5(vm.ovf)= ${'0'.repeat(32)}\nSHA1(vm.ovf)= abc\n\ngarbage\n`);
    expect(parsed.entries).toEqual([]);
    expect(parsed.malformed.map((line) => [line.line, line.problem])).toEqual([
      [1, 'unknown digest algorithm MD5 (SHA1, SHA256 and SHA512 are understood)'],
      [2, 'a SHA1 digest has 40 hex digits, this one 3'],
      [4, 'not an ALG(file)= digest line'],
    ]);
  });
});
