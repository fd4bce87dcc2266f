import { describe, expect, it } from 'vitest';
import { MemoryRegistry } from './memory-registry.js';

describe('MemoryRegistry', () => {
  const registry = new MemoryRegistry({
    SYSTEM: [
      { key: 'Select', values: { Current: { type: 'REG_DWORD', data: 1 } } },
      { key: 'ControlSet001\\Services\\Disk', values: { Start: { type: 'REG_DWORD', data: 0 }, '': { type: 'REG_SZ', data: 'default' } } },
      { key: 'ControlSet002\\Services' },
    ],
    SOFTWARE: [{ key: 'Microsoft\\Windows\\CurrentVersion', values: { DevicePath: { type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\inf' } } }],
  });

  it('reads values case-insensitively', async () => {
    expect(await registry.getValue('SYSTEM', 'select', 'CURRENT')).toEqual({ type: 'REG_DWORD', data: 1 });
    expect(await registry.getValue('SYSTEM', 'controlset001\\services\\disk', 'start')).toEqual({ type: 'REG_DWORD', data: 0 });
    expect(await registry.getValue('SYSTEM', 'ControlSet001\\Services\\Disk', '')).toEqual({ type: 'REG_SZ', data: 'default' });
    expect(await registry.getValue('SOFTWARE', 'Microsoft\\Windows\\CurrentVersion', 'DevicePath')).toEqual({
      type: 'REG_EXPAND_SZ',
      data: '%SystemRoot%\\inf',
    });
  });

  it('returns null for missing values, keys and hives', async () => {
    expect(await registry.getValue('SYSTEM', 'Select', 'Default')).toBeNull();
    expect(await registry.getValue('SYSTEM', 'Nope', 'Current')).toBeNull();
    expect(await registry.getValue('SAM', '', 'x')).toBeNull();
    expect(await registry.listSubkeys('SYSTEM', 'Nope')).toBeNull();
    expect(await registry.listSubkeys('DEFAULT', '')).toBeNull();
  });

  it('lists subkeys with their own casing, including intermediate keys', async () => {
    expect(await registry.listSubkeys('SYSTEM', '')).toEqual(['Select', 'ControlSet001', 'ControlSet002']);
    expect(await registry.listSubkeys('SYSTEM', 'controlset001')).toEqual(['Services']);
    expect(await registry.listSubkeys('SYSTEM', 'ControlSet002\\Services')).toEqual([]);
  });
});
