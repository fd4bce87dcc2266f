import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHive, createEmptyHive, Hive, type HiveEntry } from '../src/index.js';
import { hivexExport, hivexget, tempDir } from './helpers.js';

const stamp = new Date('2024-05-06T07:08:09Z');

describe('createEmptyHive', () => {
  it('writes a hive that hivexsh, hivexregedit and reglookup open', async () => {
    const path = join(tempDir(), 'SOFTWARE');
    await createEmptyHive(path, 'CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}', { timestamp: stamp });
    expect(readFileSync(path).length).toBe(8192);

    const shell = execFileSync('hivexsh', ['-w', path], {
      input: 'add Microsoft\ncd Microsoft\nsetval 1\nProductName\nstring:Windows\ncommit\n',
      encoding: 'utf8',
    });
    expect(shell).toBe('');
    expect(hivexget(path, 'Microsoft', 'ProductName')).toBe('Windows');
    expect([...hivexExport(path).keys()]).toEqual(['', 'Microsoft']);

    // reglookup (libregfi) is an independent parser; -s prints the security
    // descriptor every key inherited from the root's sk cell.
    const lookup = execFileSync('reglookup', ['-s', '-t', 'KEY', path], { encoding: 'utf8' }).trim().split('\n');
    expect(lookup[1]).toMatch(/^\/,KEY,,2024-05-06 07:08:09,S-1-5-32-544,S-1-5-18,,S-1-5-18:ALLOW:.*\|S-1-5-32-544:ALLOW:.*\|S-1-5-32-545:ALLOW:/);
    expect(lookup[2]).toMatch(/^\/Microsoft,KEY,,2024-05-06 07:08:09,S-1-5-32-544,S-1-5-18,/);

    const hive = Hive.open(path);
    try {
      expect(hive.rootName()).toBe('CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}');
    } finally {
      hive.close();
    }
  });

  it('takes thousands of keys and values from libhivex, committed and read back', async () => {
    const path = join(tempDir(), 'SYSTEM');
    await createEmptyHive(path);
    const hive = Hive.open(path, { write: true });
    try {
      for (let i = 0; i < 3000; i += 1) {
        hive.setValue(`Services\\svc${i}`, 'Start', { type: 'REG_DWORD', data: i });
        hive.setValue(`Services\\svc${i}`, 'ImagePath', { type: 'REG_EXPAND_SZ', data: `system32\\drivers\\svc${i}.sys` });
      }
      hive.commit();
    } finally {
      hive.close();
    }
    const exported = hivexExport(path);
    expect(exported.size).toBe(3002);
    expect(exported.get('Services\\svc2999')?.get('Start')?.bytes.readUInt32LE(0)).toBe(2999);
    expect(hivexget(path, 'Services\\svc1234', 'ImagePath')).toBe('system32\\drivers\\svc1234.sys');
    const lookup = execFileSync('reglookup', ['-t', 'DWORD', path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(lookup.trim().split('\n')).toHaveLength(3001);
  });
});

describe('buildHive', () => {
  const entries = (count: number): HiveEntry[] => [
    { key: 'Select', values: { Current: { type: 'REG_DWORD', data: 1 }, Default: { type: 'REG_DWORD', data: 1 } } },
    ...Array.from({ length: count }, (_, i): HiveEntry => ({
      key: `ControlSet001\\Services\\svc${String(i).padStart(4, '0')}`,
      values: {
        Type: { type: 'REG_DWORD', data: 1 },
        Start: { type: 'REG_DWORD', data: i % 5 },
        Group: { type: 'REG_SZ', data: 'SCSI miniport' },
        DependOnService: { type: 'REG_MULTI_SZ', data: ['a', 'b'] },
      },
    })),
    { key: 'DriverDatabase\\DriverPackages' },
  ];

  it('builds a 1000-key hive quickly, verified, and byte-identical for one recipe and timestamp', async () => {
    const dir = tempDir();
    const first = join(dir, 'SYSTEM');
    const started = performance.now();
    await buildHive(first, 'ROOT', entries(1000), { timestamp: stamp });
    const elapsed = performance.now() - started;
    // Measured around 1 s on a shared 2-core machine; the bound catches a quadratic blow-up.
    expect(elapsed).toBeLessThan(5_000);

    const exported = hivexExport(first);
    expect(exported.size).toBe(1000 + 6);
    expect(exported.get('ControlSet001\\Services\\svc0999')?.get('Start')?.bytes).toEqual(Buffer.from([4, 0, 0, 0]));
    expect(exported.has('DriverDatabase\\DriverPackages')).toBe(true);

    const second = join(dir, 'SYSTEM2');
    await buildHive(second, 'ROOT', entries(1000), { timestamp: stamp, fileName: 'SYSTEM' });
    expect(readFileSync(second).equals(readFileSync(first))).toBe(true);
  });
});
