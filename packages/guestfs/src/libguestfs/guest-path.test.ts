import { describe, expect, it } from 'vitest';
import { GuestFsError } from '@hyper2kvm/core';
import { checkGuestPath, checkHostPath } from './guest-path.js';

describe('checkGuestPath', () => {
  it('accepts absolute normalised paths', () => {
    for (const path of ['/', '/etc', '/etc/fstab', '/Windows/System32/config/SYSTEM', '/a b/c']) {
      expect(checkGuestPath(path)).toBe(path);
    }
  });

  it.each([
    ['', 'is empty'],
    ['etc/fstab', 'is not absolute'],
    ['/etc/../..', 'is not normalised'],
    ['/etc/./fstab', 'is not normalised'],
    ['//etc', 'is not normalised'],
    ['/etc/', 'is not normalised'],
    ['/etc/fst\0ab', 'contains a NUL byte'],
  ])('rejects %j', (path, problem) => {
    expect(() => checkGuestPath(path)).toThrow(GuestFsError);
    expect(() => checkGuestPath(path)).toThrow(problem);
  });
});

describe('checkHostPath', () => {
  it('accepts relative and absolute host paths', () => {
    expect(checkHostPath('disk.vmdk')).toBe('disk.vmdk');
    expect(checkHostPath('/tmp/x')).toBe('/tmp/x');
  });

  it('rejects empty paths and NUL bytes', () => {
    expect(() => checkHostPath('')).toThrow('is empty');
    expect(() => checkHostPath('/tmp/\0')).toThrow('contains a NUL byte');
  });
});
