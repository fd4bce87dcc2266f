import { describe, expect, it } from 'vitest';
import { foldName, isSameOrBelow, joinKeyPath, sameName, splitKeyPath } from './key-path.js';

describe('splitKeyPath', () => {
  it('splits on backslashes and ignores leading and trailing ones', () => {
    expect(splitKeyPath('ControlSet001\\Services\\viostor')).toEqual(['ControlSet001', 'Services', 'viostor']);
    expect(splitKeyPath('\\Select\\')).toEqual(['Select']);
    expect(splitKeyPath('')).toEqual([]);
    expect(splitKeyPath('\\')).toEqual([]);
    expect(splitKeyPath('PCI\\VEN_1AF4&DEV_1001/x')).toEqual(['PCI', 'VEN_1AF4&DEV_1001/x']);
  });

  it('rejects empty names, NULs and over-long names', () => {
    expect(splitKeyPath('A\\\\B')).toEqual({ error: 'empty key name (two backslashes in a row)' });
    expect(splitKeyPath('A\0')).toEqual({ error: 'key name contains a NUL character' });
    expect(splitKeyPath('x'.repeat(256))).toEqual({ error: 'key name longer than 255 characters' });
    expect(splitKeyPath('x'.repeat(255))).toEqual(['x'.repeat(255)]);
  });

  it('joins back', () => {
    expect(joinKeyPath(['A', 'B'])).toBe('A\\B');
    expect(joinKeyPath([])).toBe('');
  });
});

describe('name comparison', () => {
  it('ignores case like Windows, one character at a time', () => {
    expect(sameName('Services', 'SERVICES')).toBe(true);
    expect(sameName('Ärger', 'äRGER')).toBe(true);
    expect(sameName('viostor', 'vioscsi')).toBe(false);
    expect(foldName('straße')).toBe('STRAßE');
  });

  it('tells whether a path is at or below another', () => {
    expect(isSameOrBelow(['A', 'b', 'C'], ['a', 'B'])).toBe(true);
    expect(isSameOrBelow(['A'], ['a'])).toBe(true);
    expect(isSameOrBelow(['A'], ['A', 'B'])).toBe(false);
    expect(isSameOrBelow(['AB'], ['A'])).toBe(false);
    expect(isSameOrBelow(['A'], [])).toBe(true);
  });
});
