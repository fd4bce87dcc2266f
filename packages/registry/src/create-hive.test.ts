import { describe, expect, it } from 'vitest';
import { baseBlockChecksum, defaultSecurityDescriptor, emptyHiveBytes } from './create-hive.js';

describe('emptyHiveBytes', () => {
  const stamp = new Date('2024-01-01T00:00:00Z');
  const bytes = emptyHiveBytes('ROOT', { timestamp: stamp, fileName: 'SYSTEM' });

  it('lays out a base block and one bin', () => {
    expect(bytes.length).toBe(8192);
    expect(bytes.toString('latin1', 0, 4)).toBe('regf');
    expect(bytes.readUInt32LE(4)).toBe(bytes.readUInt32LE(8)); // sequence numbers match
    expect(bytes.readBigInt64LE(12)).toBe(133_485_408_000_000_000n); // FILETIME of the stamp
    expect([bytes.readUInt32LE(20), bytes.readUInt32LE(24), bytes.readUInt32LE(28), bytes.readUInt32LE(32)]).toEqual([1, 5, 0, 1]);
    expect(bytes.readUInt32LE(36)).toBe(0x20); // root cell, relative to the first bin
    expect(bytes.readUInt32LE(40)).toBe(0x1000); // bins size
    expect(bytes.toString('utf16le', 48, 60)).toBe('SYSTEM');
    expect(bytes.readUInt32LE(0x1fc)).toBe(baseBlockChecksum(bytes));
    expect(bytes.toString('latin1', 0x1000, 0x1004)).toBe('hbin');
    expect(bytes.readUInt32LE(0x1008)).toBe(0x1000);
  });

  it('holds a root nk cell pointing at an sk cell, and a free cell to the end of the bin', () => {
    const root = 0x1020;
    const rootSize = -bytes.readInt32LE(root);
    expect(rootSize).toBe(88); // 0x50 + 4-character name, rounded up to 8
    expect(bytes.toString('latin1', root + 4, root + 6)).toBe('nk');
    expect(bytes.readUInt16LE(root + 6)).toBe(0x2c);
    expect(bytes.readUInt16LE(root + 76)).toBe(4);
    expect(bytes.toString('latin1', root + 80, root + 84)).toBe('ROOT');
    const sk = 0x1000 + bytes.readUInt32LE(root + 48);
    expect(sk).toBe(root + rootSize);
    expect(bytes.toString('latin1', sk + 4, sk + 6)).toBe('sk');
    expect(bytes.readUInt32LE(sk + 16)).toBe(1); // referenced by the root only
    const descriptorLength = bytes.readUInt32LE(sk + 20);
    expect(bytes.subarray(sk + 24, sk + 24 + descriptorLength)).toEqual(defaultSecurityDescriptor());
    const free = sk - bytes.readInt32LE(sk);
    expect(bytes.readInt32LE(free)).toBe(0x2000 - free); // positive: free
  });

  it('is the same for the same inputs', () => {
    expect(emptyHiveBytes('ROOT', { timestamp: stamp, fileName: 'SYSTEM' }).equals(bytes)).toBe(true);
  });

  it('refuses root names a hive cannot hold', () => {
    expect(() => emptyHiveBytes('')).toThrow(/bad root key name/);
    expect(() => emptyHiveBytes('a\\b')).toThrow(/bad root key name/);
    expect(() => emptyHiveBytes('日本')).toThrow(/bad root key name/);
  });
});

describe('defaultSecurityDescriptor', () => {
  it('is self-relative with owner, group and a DACL inside its own bytes', () => {
    const sd = defaultSecurityDescriptor();
    expect(sd[0]).toBe(1);
    expect(sd.readUInt16LE(2)).toBe(0x8004);
    const dacl = sd.readUInt32LE(16);
    expect(dacl + sd.readUInt16LE(dacl + 2)).toBe(sd.length);
    expect(sd.readUInt16LE(dacl + 4)).toBe(3);
  });
});
