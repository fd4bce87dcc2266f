/**
 * Typed registry values and their on-disk encoding: strings are UTF-16LE
 * with the terminating NUL Windows expects, MULTI_SZ is every string with
 * its NUL plus one more NUL, integers are little-endian.
 */

/** Registry type codes (winnt.h). */
export const REG_TYPE_CODES = {
  REG_NONE: 0,
  REG_SZ: 1,
  REG_EXPAND_SZ: 2,
  REG_BINARY: 3,
  REG_DWORD: 4,
  REG_DWORD_BIG_ENDIAN: 5,
  REG_LINK: 6,
  REG_MULTI_SZ: 7,
  REG_RESOURCE_LIST: 8,
  REG_FULL_RESOURCE_DESCRIPTOR: 9,
  REG_RESOURCE_REQUIREMENTS_LIST: 10,
  REG_QWORD: 11,
} as const;

/** A registry value with its type and decoded data. */
export type RegistryValue =
  | { type: 'REG_SZ' | 'REG_EXPAND_SZ'; data: string }
  | { type: 'REG_MULTI_SZ'; data: string[] }
  | { type: 'REG_DWORD'; data: number }
  | { type: 'REG_QWORD'; data: bigint }
  | { type: 'REG_BINARY' | 'REG_NONE'; data: Buffer }
  /**
   * Any other type code (REG_LINK, REG_RESOURCE_LIST, REG_DWORD_BIG_ENDIAN, …),
   * kept as raw bytes so that values nobody meant to touch survive a rewrite.
   */
  | { type: 'REG_RAW'; code: number; data: Buffer };

/** The `type` names of {@link RegistryValue}. */
export type RegistryValueType = RegistryValue['type'];

/** A value as stored: its type code and its bytes. */
export interface EncodedValue {
  code: number;
  bytes: Buffer;
}

const MAX_DWORD = 0xffff_ffff;
const MAX_QWORD = (1n << 64n) - 1n;

/** UTF-16LE bytes of `text` followed by one NUL character. */
export function encodeString(text: string): Buffer {
  return Buffer.from(`${text}\0`, 'utf16le');
}

/** UTF-16LE bytes of every string with its NUL, then one more NUL. */
export function encodeMultiString(strings: readonly string[]): Buffer {
  return Buffer.from(`${strings.map((s) => `${s}\0`).join('')}\0`, 'utf16le');
}

/**
 * Text of a stored string: up to the first NUL. Hives in the wild hold
 * strings without a terminator or with junk after it; both decode cleanly.
 */
export function decodeString(bytes: Buffer): string {
  const text = bytes.subarray(0, bytes.length - (bytes.length % 2)).toString('utf16le');
  const end = text.indexOf('\0');
  return end === -1 ? text : text.slice(0, end);
}

/** Strings of a stored MULTI_SZ: up to the first empty string (the double NUL). */
export function decodeMultiString(bytes: Buffer): string[] {
  const text = bytes.subarray(0, bytes.length - (bytes.length % 2)).toString('utf16le');
  const strings: string[] = [];
  for (const part of text.split('\0')) {
    if (part === '') break;
    strings.push(part);
  }
  return strings;
}

/** Why `value` cannot be stored, or `undefined` if it can. */
export function checkValue(value: RegistryValue): string | undefined {
  switch (value.type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      if (typeof value.data !== 'string') return `${value.type} data must be a string`;
      if (value.data.includes('\0')) return `${value.type} data must not contain a NUL character`;
      return undefined;
    case 'REG_MULTI_SZ':
      if (!Array.isArray(value.data) || value.data.some((s) => typeof s !== 'string')) {
        return 'REG_MULTI_SZ data must be an array of strings';
      }
      if (value.data.some((s) => s === '')) return 'REG_MULTI_SZ cannot hold an empty string (it would end the list)';
      if (value.data.some((s) => s.includes('\0'))) return 'REG_MULTI_SZ strings must not contain a NUL character';
      return undefined;
    case 'REG_DWORD':
      if (!Number.isInteger(value.data) || value.data < 0 || value.data > MAX_DWORD) {
        return `REG_DWORD data must be an integer from 0 to ${MAX_DWORD}, not ${String(value.data)}`;
      }
      return undefined;
    case 'REG_QWORD':
      if (typeof value.data !== 'bigint' || value.data < 0n || value.data > MAX_QWORD) {
        return 'REG_QWORD data must be a bigint from 0 to 2^64-1';
      }
      return undefined;
    case 'REG_BINARY':
    case 'REG_NONE':
      return Buffer.isBuffer(value.data) ? undefined : `${value.type} data must be a Buffer`;
    case 'REG_RAW':
      if (!Number.isInteger(value.code) || value.code < 0 || value.code > MAX_DWORD) {
        return 'REG_RAW code must be an integer from 0 to 2^32-1';
      }
      return Buffer.isBuffer(value.data) ? undefined : 'REG_RAW data must be a Buffer';
    default:
      return `unknown value type ${String((value as { type: unknown }).type)}`;
  }
}

/** Type code and bytes of a value; call {@link checkValue} first. */
export function encodeValue(value: RegistryValue): EncodedValue {
  switch (value.type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return { code: REG_TYPE_CODES[value.type], bytes: encodeString(value.data) };
    case 'REG_MULTI_SZ':
      return { code: REG_TYPE_CODES.REG_MULTI_SZ, bytes: encodeMultiString(value.data) };
    case 'REG_DWORD': {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32LE(value.data);
      return { code: REG_TYPE_CODES.REG_DWORD, bytes };
    }
    case 'REG_QWORD': {
      const bytes = Buffer.alloc(8);
      bytes.writeBigUInt64LE(value.data);
      return { code: REG_TYPE_CODES.REG_QWORD, bytes };
    }
    case 'REG_BINARY':
    case 'REG_NONE':
      return { code: REG_TYPE_CODES[value.type], bytes: Buffer.from(value.data) };
    case 'REG_RAW':
      return { code: value.code, bytes: Buffer.from(value.data) };
  }
}

/**
 * The typed value for stored bytes, or an error text when a fixed-size type
 * has the wrong size (a DWORD that is not 4 bytes, a QWORD that is not 8).
 */
export function decodeValue(code: number, bytes: Buffer): RegistryValue | { error: string } {
  switch (code) {
    case REG_TYPE_CODES.REG_SZ:
      return { type: 'REG_SZ', data: decodeString(bytes) };
    case REG_TYPE_CODES.REG_EXPAND_SZ:
      return { type: 'REG_EXPAND_SZ', data: decodeString(bytes) };
    case REG_TYPE_CODES.REG_MULTI_SZ:
      return { type: 'REG_MULTI_SZ', data: decodeMultiString(bytes) };
    case REG_TYPE_CODES.REG_DWORD:
      if (bytes.length !== 4) return { error: `REG_DWORD of ${bytes.length} bytes (expected 4)` };
      return { type: 'REG_DWORD', data: bytes.readUInt32LE(0) };
    case REG_TYPE_CODES.REG_QWORD:
      if (bytes.length !== 8) return { error: `REG_QWORD of ${bytes.length} bytes (expected 8)` };
      return { type: 'REG_QWORD', data: bytes.readBigUInt64LE(0) };
    case REG_TYPE_CODES.REG_BINARY:
      return { type: 'REG_BINARY', data: Buffer.from(bytes) };
    case REG_TYPE_CODES.REG_NONE:
      return { type: 'REG_NONE', data: Buffer.from(bytes) };
    default:
      return { type: 'REG_RAW', code, data: Buffer.from(bytes) };
  }
}

/** Whether two values have the same type and the same stored bytes. */
export function sameValue(a: RegistryValue, b: RegistryValue): boolean {
  const left = encodeValue(a);
  const right = encodeValue(b);
  return left.code === right.code && left.bytes.equals(right.bytes);
}
