import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmptyHive, Hive, RegistryError, type RegistryValue } from '../src/index.js';
import { hivexExport, hivexget, tempDir } from './helpers.js';

async function newHive(): Promise<string> {
  const path = join(tempDir(), 'SYSTEM');
  await createEmptyHive(path, 'ROOT', { timestamp: new Date('2024-01-02T03:04:05Z') });
  return path;
}

/** Opens for writing, runs `body`, commits and closes. */
function edit(path: string, body: (hive: Hive) => void): void {
  const hive = Hive.open(path, { write: true });
  try {
    body(hive);
    hive.commit();
  } finally {
    hive.close();
  }
}

const utf16z = (text: string) => Buffer.from(`${text}\0`, 'utf16le');

const everyType: [name: string, value: RegistryValue, code: number, bytes: Buffer][] = [
  ['Group', { type: 'REG_SZ', data: 'SCSI miniport' }, 1, utf16z('SCSI miniport')],
  ['ImagePath', { type: 'REG_EXPAND_SZ', data: 'system32\\drivers\\viostor.sys' }, 2, utf16z('system32\\drivers\\viostor.sys')],
  ['Configurations', { type: 'REG_MULTI_SZ', data: ['viostor_Inst.NT', 'second'] }, 7, Buffer.from('viostor_Inst.NT\0second\0\0', 'utf16le')],
  ['Start', { type: 'REG_DWORD', data: 0 }, 4, Buffer.from([0, 0, 0, 0])],
  ['Type', { type: 'REG_DWORD', data: 0xdeadbeef }, 4, Buffer.from([0xef, 0xbe, 0xad, 0xde])],
  ['Big', { type: 'REG_QWORD', data: 0x0102030405060708n }, 11, Buffer.from([8, 7, 6, 5, 4, 3, 2, 1])],
  ['Version', { type: 'REG_BINARY', data: Buffer.from([0x00, 0xff, 0x09, 0x00]) }, 3, Buffer.from([0x00, 0xff, 0x09, 0x00])],
  ['Nothing', { type: 'REG_NONE', data: Buffer.alloc(0) }, 0, Buffer.alloc(0)],
  ['Link', { type: 'REG_RAW', code: 6, data: Buffer.from('\\Registry\\Machine', 'utf16le') }, 6, Buffer.from('\\Registry\\Machine', 'utf16le')],
  ['', { type: 'REG_SZ', data: 'default value' }, 1, utf16z('default value')],
  ['Ünïcode ✓', { type: 'REG_SZ', data: 'Grüße ✓ 日本' }, 1, utf16z('Grüße ✓ 日本')],
];

describe('Hive values', () => {
  it('writes every value type with the bytes Windows expects, read back by our API and by hivexregedit', async () => {
    const path = await newHive();
    const key = 'ControlSet001\\Services\\viostor';
    edit(path, (hive) => {
      for (const [name, value] of everyType) hive.setValue(key, name, value);
    });

    const exported = hivexExport(path).get(key);
    expect(exported).toBeDefined();
    for (const [name, , code, bytes] of everyType) {
      expect(exported?.get(name), name).toEqual({ code, bytes });
    }

    const hive = Hive.open(path);
    try {
      for (const [name, value, code, bytes] of everyType) {
        expect(hive.getValue(key, name), name).toEqual(value);
        expect(hive.getRawValue(key, name), name).toEqual({ code, bytes });
      }
      expect(hive.listValues(key)).toEqual(everyType.map(([name]) => name));
      expect(hive.getValues(key).map((entry) => entry.name)).toEqual(everyType.map(([name]) => name));
    } finally {
      hive.close();
    }

    expect(hivexget(path, key, 'Group')).toBe('SCSI miniport');
    expect(hivexget(path, key, 'Start')).toBe('0');
    expect(hivexget(path, key, 'ImagePath')).toBe('system32\\drivers\\viostor.sys');
  });

  it('replaces one value and keeps the others, ignoring the case of the value name', async () => {
    const path = await newHive();
    edit(path, (hive) => {
      hive.setValue('Svc', 'Start', { type: 'REG_DWORD', data: 3 });
      hive.setValue('Svc', 'Type', { type: 'REG_DWORD', data: 1 });
      hive.setValue('Svc', 'START', { type: 'REG_DWORD', data: 0 });
      hive.setValue('Svc', 'ünï', { type: 'REG_SZ', data: 'a' });
      hive.setValue('Svc', 'ÜNÏ', { type: 'REG_SZ', data: 'b' });
    });
    const values = hivexExport(path).get('Svc');
    expect([...(values?.keys() ?? [])]).toEqual(['Start', 'Type', 'ünï']);
    expect(values?.get('Start')?.bytes).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(values?.get('ünï')?.bytes).toEqual(utf16z('b'));

    const hive = Hive.open(path);
    try {
      expect(hive.getValue('svc', 'start')).toEqual({ type: 'REG_DWORD', data: 0 });
      expect(hive.getValue('SVC', 'ÜnÏ')).toEqual({ type: 'REG_SZ', data: 'b' });
      expect(hive.getValue('Svc', 'Missing')).toBeNull();
      expect(hive.getValue('NoSuchKey', 'Start')).toBeNull();
    } finally {
      hive.close();
    }
  });

  it('deletes one value and keeps the others (including the default value)', async () => {
    const path = await newHive();
    edit(path, (hive) => {
      hive.setValue('K', '', { type: 'REG_SZ', data: 'default' });
      hive.setValue('K', 'A', { type: 'REG_BINARY', data: Buffer.alloc(5000, 7) });
      hive.setValue('K', 'B', { type: 'REG_DWORD', data: 2 });
    });
    edit(path, (hive) => {
      expect(hive.deleteValue('k', 'a')).toBe(true);
      expect(hive.deleteValue('k', 'a')).toBe(false);
      expect(hive.deleteValue('missing\\key', 'a')).toBe(false);
    });
    const values = hivexExport(path).get('K');
    expect([...(values?.keys() ?? [])]).toEqual(['', 'B']);
    expect(values?.get('')?.bytes).toEqual(utf16z('default'));
  });

  it('refuses values that cannot be stored, naming the file and the key', async () => {
    const path = await newHive();
    const hive = Hive.open(path, { write: true });
    try {
      const attempt = (value: RegistryValue) => () => hive.setValue('A\\B', 'X', value);
      expect(attempt({ type: 'REG_DWORD', data: -1 })).toThrow(`${path}: A\\B: value "X": REG_DWORD data must be an integer`);
      expect(attempt({ type: 'REG_DWORD', data: 2 ** 32 })).toThrow(RegistryError);
      expect(attempt({ type: 'REG_SZ', data: 'a\0b' })).toThrow(/NUL/);
      expect(attempt({ type: 'REG_MULTI_SZ', data: ['a', ''] })).toThrow(/empty string/);
      expect(attempt({ type: 'REG_QWORD', data: -1n })).toThrow(/REG_QWORD/);
      expect(() => hive.setValue('A', 'bad\0name', { type: 'REG_DWORD', data: 1 })).toThrow(/NUL/);
      expect(hive.hasKey('A')).toBe(false);
    } finally {
      hive.close();
    }
  });
});

describe('Hive keys', () => {
  it('finds keys case-insensitively, as Windows does, and reports the stored names', async () => {
    const path = await newHive();
    edit(path, (hive) => {
      hive.ensureKey('ControlSet001\\Services\\viostor');
      hive.ensureKey('ControlSet001\\Services\\Ärger');
    });
    const hive = Hive.open(path);
    try {
      expect(hive.getKey('controlset001\\SERVICES\\Viostor')).toEqual({ name: 'viostor', path: 'ControlSet001\\Services\\viostor' });
      expect(hive.getKey('\\CONTROLSET001\\services\\')).toEqual({ name: 'Services', path: 'ControlSet001\\Services' });
      expect(hive.getKey('ControlSet001\\Services\\äRGER')?.path).toBe('ControlSet001\\Services\\Ärger');
      expect(hive.getKey('ControlSet001\\Services\\vioscsi')).toBeNull();
      expect(hive.getKey('')).toEqual({ name: 'ROOT', path: '' });
      expect(hive.listSubkeys('controlset001\\services')).toEqual(['viostor', 'Ärger']);
      expect(() => hive.listSubkeys('ControlSet002')).toThrow(`${path}: ControlSet002: no such key`);
      expect(() => hive.getKey('A\\\\B')).toThrow(/empty key name/);
    } finally {
      hive.close();
    }
  });

  it('ensureKey reuses an existing key whatever the case and creates only what is missing', async () => {
    const path = await newHive();
    edit(path, (hive) => {
      hive.ensureKey('Control\\Class');
      expect(hive.ensureKey('CONTROL\\class\\{4D36E97B}')).toEqual({ name: '{4D36E97B}', path: 'Control\\Class\\{4D36E97B}' });
      expect(hive.listSubkeys('')).toEqual(['Control']);
    });
    expect([...hivexExport(path).keys()]).toEqual(['', 'Control', 'Control\\Class', 'Control\\Class\\{4D36E97B}']);
  });

  it('deletes a key with its whole subtree and leaves its siblings', async () => {
    const path = await newHive();
    edit(path, (hive) => {
      hive.setValue('Services\\viostor', 'Start', { type: 'REG_DWORD', data: 0 });
      hive.setValue('Services\\viostor\\StartOverride', '0', { type: 'REG_DWORD', data: 3 });
      hive.setValue('Services\\viostor\\Parameters\\PnpInterface', '5', { type: 'REG_DWORD', data: 1 });
      hive.setValue('Services\\vioscsi', 'Start', { type: 'REG_DWORD', data: 3 });
    });
    edit(path, (hive) => {
      expect(hive.deleteKey('services\\VIOSTOR')).toBe(true);
      expect(hive.deleteKey('services\\VIOSTOR')).toBe(false);
      expect(() => hive.deleteKey('')).toThrow(/root key cannot be deleted/);
    });
    expect([...hivexExport(path).keys()]).toEqual(['', 'Services', 'Services\\vioscsi']);
    // The freed space is reusable: the same subtree can be added again.
    edit(path, (hive) => hive.ensureKey('Services\\viostor\\StartOverride'));
    expect([...hivexExport(path).keys()]).toContain('Services\\viostor\\StartOverride');
  });

  it('commits to another file and leaves the opened one as it was', async () => {
    const path = await newHive();
    const before = readFileSync(path);
    const output = join(tempDir(), 'edited');
    const hive = Hive.open(path, { write: true });
    try {
      hive.setValue('Select', 'Current', { type: 'REG_DWORD', data: 1 });
      hive.commit(output);
    } finally {
      hive.close();
    }
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(hivexget(output, 'Select', 'Current')).toBe('1');
  });
});

describe('Hive errors', () => {
  it('names the file in a one-line error for a missing, corrupt or truncated hive', async () => {
    const dir = tempDir();
    const missing = join(dir, 'nope');
    expect(() => Hive.open(missing)).toThrow(`${missing}: no such file`);

    const corrupt = join(dir, 'SOFTWARE');
    await createEmptyHive(corrupt);
    const bytes = readFileSync(corrupt);
    bytes.write('XXXX', 0, 'latin1');
    writeFileSync(corrupt, bytes);
    const error = (() => {
      try {
        Hive.open(corrupt);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe('HIVE_OPEN_FAILED');
    expect((error as RegistryError).message).toMatch(new RegExp(`^${corrupt}: not a valid registry hive`));
    expect((error as RegistryError).message).not.toContain('\n');

    const badChecksum = join(dir, 'SAM');
    await createEmptyHive(badChecksum);
    const samBytes = readFileSync(badChecksum);
    samBytes.writeUInt32LE((samBytes.readUInt32LE(0x1fc) ^ 1) >>> 0, 0x1fc);
    writeFileSync(badChecksum, samBytes);
    expect(() => Hive.open(badChecksum)).toThrow(`${badChecksum}: not a valid registry hive`);

    const short = join(dir, 'short');
    writeFileSync(short, 'regf');
    expect(() => Hive.open(short, { write: true })).toThrow(`${short}: not a valid registry hive`);
  });

  it('refuses edits on a read-only or closed hive', async () => {
    const path = await newHive();
    const copy = join(tempDir(), 'copy');
    copyFileSync(path, copy);
    const hive = Hive.open(copy);
    expect(() => hive.setValue('A', 'B', { type: 'REG_DWORD', data: 1 })).toThrow(`${copy}: A: the hive was opened read-only`);
    expect(() => hive.commit()).toThrow(/read-only/);
    hive.close();
    hive.close();
    expect(() => hive.getKey('A')).toThrow(`${copy}: the hive is closed`);
  });

  it('reports a libhivex failure with the call that failed', async () => {
    const path = await newHive();
    const hive = Hive.open(path, { write: true });
    try {
      // libhivex refuses single allocations above 1 MB.
      expect(() => hive.setValue('Big', 'Blob', { type: 'REG_BINARY', data: Buffer.alloc(2_000_000) })).toThrow(
        `${path}: Big: hivex_node_set_value failed (ERANGE)`,
      );
    } finally {
      hive.close();
    }
  });
});
