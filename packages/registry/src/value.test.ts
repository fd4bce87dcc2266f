import { describe, expect, it } from 'vitest';
import { checkValue, decodeMultiString, decodeString, decodeValue, encodeValue, sameValue, type RegistryValue } from './value.js';

const hex = (bytes: Buffer) => bytes.toString('hex');

describe('encodeValue', () => {
  it('writes strings as UTF-16LE with one terminating NUL', () => {
    expect(encodeValue({ type: 'REG_SZ', data: 'ab' })).toEqual({ code: 1, bytes: Buffer.from([0x61, 0, 0x62, 0, 0, 0]) });
    expect(encodeValue({ type: 'REG_EXPAND_SZ', data: '%SystemRoot%' }).code).toBe(2);
    expect(hex(encodeValue({ type: 'REG_SZ', data: '' }).bytes)).toBe('0000');
    expect(hex(encodeValue({ type: 'REG_SZ', data: '€' }).bytes)).toBe('ac200000');
  });

  it('writes MULTI_SZ as each string with its NUL, then one more NUL', () => {
    expect(hex(encodeValue({ type: 'REG_MULTI_SZ', data: ['a', 'b'] }).bytes)).toBe('6100000062000000' + '0000');
    expect(hex(encodeValue({ type: 'REG_MULTI_SZ', data: [] }).bytes)).toBe('0000');
    expect(encodeValue({ type: 'REG_MULTI_SZ', data: ['x'] }).code).toBe(7);
  });

  it('writes DWORD and QWORD little-endian in 4 and 8 bytes', () => {
    expect(encodeValue({ type: 'REG_DWORD', data: 1 })).toEqual({ code: 4, bytes: Buffer.from([1, 0, 0, 0]) });
    expect(hex(encodeValue({ type: 'REG_DWORD', data: 0xffffffff }).bytes)).toBe('ffffffff');
    expect(encodeValue({ type: 'REG_QWORD', data: 0x0102n })).toEqual({ code: 11, bytes: Buffer.from([2, 1, 0, 0, 0, 0, 0, 0]) });
  });

  it('keeps binary, none and raw bytes as they are, with their type code', () => {
    expect(encodeValue({ type: 'REG_BINARY', data: Buffer.from([1, 0xff]) })).toEqual({ code: 3, bytes: Buffer.from([1, 0xff]) });
    expect(encodeValue({ type: 'REG_NONE', data: Buffer.alloc(0) })).toEqual({ code: 0, bytes: Buffer.alloc(0) });
    expect(encodeValue({ type: 'REG_RAW', code: 8, data: Buffer.from([9]) })).toEqual({ code: 8, bytes: Buffer.from([9]) });
  });
});

describe('decodeValue', () => {
  it('round-trips every type', () => {
    const values: RegistryValue[] = [
      { type: 'REG_SZ', data: 'SCSI miniport' },
      { type: 'REG_EXPAND_SZ', data: 'system32\\drivers\\viostor.sys' },
      { type: 'REG_MULTI_SZ', data: ['one', 'two'] },
      { type: 'REG_DWORD', data: 4096 },
      { type: 'REG_QWORD', data: 2n ** 63n },
      { type: 'REG_BINARY', data: Buffer.from([0, 0xff, 9]) },
      { type: 'REG_NONE', data: Buffer.from([1]) },
      { type: 'REG_RAW', code: 5, data: Buffer.from([0, 0, 0, 1]) },
    ];
    for (const value of values) {
      const { code, bytes } = encodeValue(value);
      expect(decodeValue(code, bytes)).toEqual(value);
    }
  });

  it('reads strings without a terminator or with junk after it', () => {
    expect(decodeString(Buffer.from('abc', 'utf16le'))).toBe('abc');
    expect(decodeString(Buffer.from('abc\0junk', 'utf16le'))).toBe('abc');
    expect(decodeString(Buffer.from([0x61, 0, 0x62]))).toBe('a');
    expect(decodeMultiString(Buffer.from('a\0b\0\0c\0\0', 'utf16le'))).toEqual(['a', 'b']);
    expect(decodeMultiString(Buffer.from('a\0b', 'utf16le'))).toEqual(['a', 'b']);
  });

  it('reports a DWORD or QWORD of the wrong size', () => {
    expect(decodeValue(4, Buffer.from([1, 0]))).toEqual({ error: 'REG_DWORD of 2 bytes (expected 4)' });
    expect(decodeValue(11, Buffer.alloc(4))).toEqual({ error: 'REG_QWORD of 4 bytes (expected 8)' });
  });
});

describe('checkValue', () => {
  it('accepts storable values and explains the others', () => {
    expect(checkValue({ type: 'REG_DWORD', data: 0 })).toBeUndefined();
    expect(checkValue({ type: 'REG_DWORD', data: 1.5 })).toMatch(/integer/);
    expect(checkValue({ type: 'REG_DWORD', data: -1 })).toMatch(/integer/);
    expect(checkValue({ type: 'REG_QWORD', data: 2n ** 64n })).toMatch(/2\^64-1/);
    expect(checkValue({ type: 'REG_SZ', data: 'a\0' })).toMatch(/NUL/);
    expect(checkValue({ type: 'REG_MULTI_SZ', data: [''] })).toMatch(/empty string/);
    expect(checkValue({ type: 'REG_BINARY', data: 'x' as unknown as Buffer })).toMatch(/Buffer/);
    expect(checkValue({ type: 'REG_WHAT' } as unknown as RegistryValue)).toMatch(/unknown value type/);
  });
});

describe('sameValue', () => {
  it('compares type and stored bytes', () => {
    expect(sameValue({ type: 'REG_DWORD', data: 1 }, { type: 'REG_DWORD', data: 1 })).toBe(true);
    expect(sameValue({ type: 'REG_SZ', data: 'a' }, { type: 'REG_EXPAND_SZ', data: 'a' })).toBe(false);
    expect(sameValue({ type: 'REG_DWORD', data: 1 }, { type: 'REG_RAW', code: 4, data: Buffer.from([1, 0, 0, 0]) })).toBe(true);
  });
});
