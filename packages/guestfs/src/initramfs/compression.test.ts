import { describe, expect, it } from 'vitest';
import { compress, COMPRESSORS } from '../../tests/initramfs-archives.js';
import { compressionOf } from './compression.js';

describe('compressionOf', () => {
  it.each(Object.keys(COMPRESSORS) as (keyof typeof COMPRESSORS)[])('tells %s from the bytes the real tool writes', async (compression) => {
    expect(compressionOf(await compress(Buffer.from('070701 some cpio data'.repeat(50)), compression))).toBe(compression);
  });

  it('returns null for cpio, text and too-short data', () => {
    expect(compressionOf(Buffer.from('070701000'))).toBeNull();
    expect(compressionOf(Buffer.from('old initramfs'))).toBeNull();
    expect(compressionOf(Buffer.from([0x28, 0xb5]))).toBeNull();
    expect(compressionOf(Buffer.alloc(0))).toBeNull();
  });
});
