import { describe, expect, it } from 'vitest';
import { hiveRootPrefix, renderRegistryEdits, renderRegistryValue } from './reg-format.js';

describe('hiveRootPrefix', () => {
  it('maps hive files to their regedit roots', () => {
    expect(hiveRootPrefix('SYSTEM')).toBe('HKLM\\SYSTEM');
    expect(hiveRootPrefix('/Windows/System32/config/software')).toBe('HKLM\\SOFTWARE');
    expect(hiveRootPrefix('C:\\Windows\\System32\\config\\DEFAULT')).toBe('HKU\\.DEFAULT');
    expect(hiveRootPrefix('/Users/bob/NTUSER.DAT')).toBe('HKCU');
    expect(hiveRootPrefix('/EFI/Microsoft/Boot/BCD')).toBe('HKLM\\BCD00000000');
    expect(hiveRootPrefix('custom.hiv')).toBe('HKLM\\CUSTOM.HIV');
  });
});

describe('renderRegistryValue', () => {
  it('uses regedit syntax where it is readable and a readable form elsewhere', () => {
    expect(renderRegistryValue({ type: 'REG_SZ', data: 'say "hi" C:\\x' })).toBe('"say \\"hi\\" C:\\\\x"');
    expect(renderRegistryValue({ type: 'REG_EXPAND_SZ', data: 'system32\\drivers\\viostor.sys' })).toBe('expand_sz:"system32\\\\drivers\\\\viostor.sys"');
    expect(renderRegistryValue({ type: 'REG_MULTI_SZ', data: ['a', 'b'] })).toBe('multi_sz:"a","b"');
    expect(renderRegistryValue({ type: 'REG_MULTI_SZ', data: [] })).toBe('multi_sz:');
    expect(renderRegistryValue({ type: 'REG_DWORD', data: 0x1f })).toBe('dword:0000001f');
    expect(renderRegistryValue({ type: 'REG_QWORD', data: 1n })).toBe('qword:0000000000000001');
    expect(renderRegistryValue({ type: 'REG_BINARY', data: Buffer.from([1, 0xff, 0, 0]) })).toBe('hex:01,ff,00,00');
    expect(renderRegistryValue({ type: 'REG_NONE', data: Buffer.alloc(0) })).toBe('hex(0):');
    expect(renderRegistryValue({ type: 'REG_RAW', code: 10, data: Buffer.from([0xab]) })).toBe('hex(a):ab');
  });

  it('falls back to bytes for strings with control characters', () => {
    expect(renderRegistryValue({ type: 'REG_SZ', data: 'a\nb' })).toBe('hex(1):61,00,0a,00,62,00,00,00');
    expect(renderRegistryValue({ type: 'REG_MULTI_SZ', data: ['\t'] })).toBe('hex(7):09,00,00,00,00,00');
  });
});

describe('renderRegistryEdits', () => {
  it('groups consecutive edits of one key under one header', () => {
    const text = renderRegistryEdits('/Windows/System32/config/SYSTEM', [
      { op: 'set', key: 'ControlSet001\\Services\\viostor', name: 'Start', value: { type: 'REG_DWORD', data: 0 } },
      { op: 'set', key: 'controlset001\\services\\VIOSTOR', name: 'Group', value: { type: 'REG_SZ', data: 'SCSI miniport' } },
      { op: 'deleteValue', key: 'ControlSet001\\Services\\viostor', name: 'Tag' },
      { op: 'deleteKey', key: 'ControlSet001\\Services\\viostor\\StartOverride' },
      { op: 'createKey', key: 'DriverDatabase' },
      { op: 'set', key: '\\Setup\\', name: '', value: { type: 'REG_SZ', data: 'x' } },
    ]);
    expect(text).toBe(
      [
        '[HKLM\\SYSTEM\\ControlSet001\\Services\\viostor]',
        '"Start"=dword:00000000',
        '"Group"="SCSI miniport"',
        '"Tag"=-',
        '[-HKLM\\SYSTEM\\ControlSet001\\Services\\viostor\\StartOverride]',
        '[HKLM\\SYSTEM\\DriverDatabase]',
        '[HKLM\\SYSTEM\\Setup]',
        '@="x"',
        '',
      ].join('\n'),
    );
    expect(renderRegistryEdits('SOFTWARE', [])).toBe('');
  });
});
