import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyRegistryEdits, buildHive, RegistryError, verifyRegistryEdits, type RegistryEdit } from '../src/index.js';
import { filesIn, hivexExport, hivexget, tempDir } from './helpers.js';

const viostor = 'ControlSet001\\Services\\viostor';

async function systemHive(): Promise<{ dir: string; path: string }> {
  const dir = tempDir();
  const path = join(dir, 'SYSTEM');
  await buildHive(path, 'ROOT', [
    { key: 'Select', values: { Current: { type: 'REG_DWORD', data: 1 } } },
    { key: viostor, values: { Start: { type: 'REG_DWORD', data: 3 }, Owners: { type: 'REG_MULTI_SZ', data: ['oem1.inf'] } } },
    { key: `${viostor}\\StartOverride`, values: { '0': { type: 'REG_DWORD', data: 3 } } },
  ]);
  return { dir, path };
}

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  throw new Error('expected a RegistryError');
}

describe('applyRegistryEdits', () => {
  it('backs up the original, applies, verifies, and reports old and new values', async () => {
    const { dir, path } = await systemHive();
    const original = readFileSync(path);
    const backupDir = join(dir, 'backup');
    const edits: RegistryEdit[] = [
      { op: 'set', key: viostor, name: 'Start', value: { type: 'REG_DWORD', data: 0 } },
      { op: 'set', key: viostor, name: 'ImagePath', value: { type: 'REG_EXPAND_SZ', data: 'system32\\drivers\\viostor.sys' } },
      { op: 'set', key: 'controlset001\\services\\VIOSTOR', name: 'Group', value: { type: 'REG_SZ', data: 'SCSI miniport' } },
      { op: 'deleteKey', key: `${viostor}\\StartOverride` },
      { op: 'deleteValue', key: viostor, name: 'Owners' },
      { op: 'deleteValue', key: viostor, name: 'NotThere' },
      { op: 'createKey', key: 'DriverDatabase\\DeviceIds\\PCI' },
    ];

    const result = await applyRegistryEdits(path, edits, { backupDir });

    expect(result.written).toBe(true);
    expect(result.backupPath).toBe(join(backupDir, 'SYSTEM'));
    expect(readFileSync(join(backupDir, 'SYSTEM')).equals(original)).toBe(true);
    expect(result.changes).toEqual([
      { op: 'set', key: viostor, name: 'Start', before: { type: 'REG_DWORD', data: 3 }, after: { type: 'REG_DWORD', data: 0 }, changed: true },
      { op: 'set', key: viostor, name: 'ImagePath', before: null, after: edits[1]?.op === 'set' ? edits[1].value : null, changed: true },
      { op: 'set', key: 'controlset001\\services\\VIOSTOR', name: 'Group', before: null, after: { type: 'REG_SZ', data: 'SCSI miniport' }, changed: true },
      { op: 'deleteKey', key: `${viostor}\\StartOverride`, changed: true },
      { op: 'deleteValue', key: viostor, name: 'Owners', before: { type: 'REG_MULTI_SZ', data: ['oem1.inf'] }, changed: true },
      { op: 'deleteValue', key: viostor, name: 'NotThere', before: null, changed: false },
      { op: 'createKey', key: 'DriverDatabase\\DeviceIds\\PCI', changed: true },
    ]);

    // Read back with an independent tool.
    const exported = hivexExport(path);
    expect([...(exported.get(viostor)?.keys() ?? [])].sort()).toEqual(['Group', 'ImagePath', 'Start']);
    expect(exported.get(viostor)?.get('ImagePath')).toEqual({ code: 2, bytes: Buffer.from('system32\\drivers\\viostor.sys\0', 'utf16le') });
    expect(exported.has(`${viostor}\\StartOverride`)).toBe(false);
    expect(exported.has('DriverDatabase\\DeviceIds\\PCI')).toBe(true);
    expect(hivexget(path, viostor, 'Start')).toBe('0');
    expect(hivexget(path, 'Select', 'Current')).toBe('1');
    // No temporary file is left beside the hive.
    expect(filesIn(dir)).toEqual(['SYSTEM', 'backup']);
  });

  it('keeps the first backup when run twice with the same backup folder', async () => {
    const { dir, path } = await systemHive();
    const original = readFileSync(path);
    const backupDir = join(dir, 'backup');
    const set = (data: number): RegistryEdit[] => [{ op: 'set', key: 'Select', name: 'Current', value: { type: 'REG_DWORD', data } }];
    await applyRegistryEdits(path, set(2), { backupDir });
    const second = await applyRegistryEdits(path, set(3), { backupDir });
    expect(second.backupPath).toBe(join(backupDir, 'SYSTEM.1'));
    expect(readFileSync(join(backupDir, 'SYSTEM')).equals(original)).toBe(true);
    expect(hivexget(join(backupDir, 'SYSTEM.1'), 'Select', 'Current')).toBe('2');
    expect(hivexget(path, 'Select', 'Current')).toBe('3');
  });

  it('does not rewrite the hive when no edit changes anything', async () => {
    const { path } = await systemHive();
    const before = readFileSync(path);
    const mtime = statSync(path).mtimeMs;
    const result = await applyRegistryEdits(path, [
      { op: 'set', key: 'SELECT', name: 'current', value: { type: 'REG_DWORD', data: 1 } },
      { op: 'createKey', key: viostor },
      { op: 'deleteKey', key: 'Nowhere' },
    ]);
    expect(result.written).toBe(false);
    expect(result.changes.map((change) => change.changed)).toEqual([false, false, false]);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(statSync(path).mtimeMs).toBe(mtime);
  });

  it('verifies the final state when later edits undo earlier ones', async () => {
    const { path } = await systemHive();
    await applyRegistryEdits(path, [
      { op: 'set', key: 'A\\B', name: 'X', value: { type: 'REG_DWORD', data: 1 } },
      { op: 'deleteKey', key: 'a' },
      { op: 'set', key: 'A\\C', name: 'Y', value: { type: 'REG_SZ', data: 'y' } },
      { op: 'deleteValue', key: 'A\\C', name: 'Y' },
      { op: 'set', key: 'A\\C', name: 'y', value: { type: 'REG_SZ', data: 'again' } },
    ]);
    const exported = hivexExport(path);
    expect(exported.has('A\\B')).toBe(false);
    expect(exported.get('A\\C')?.get('y')?.bytes).toEqual(Buffer.from('again\0', 'utf16le'));
  });

  it('leaves the original untouched and no temporary file when an edit fails', async () => {
    const { dir, path } = await systemHive();
    const before = readFileSync(path);
    const error = await failure(
      applyRegistryEdits(path, [
        { op: 'set', key: viostor, name: 'Start', value: { type: 'REG_DWORD', data: 0 } },
        // libhivex refuses an allocation this large.
        { op: 'set', key: viostor, name: 'Huge', value: { type: 'REG_BINARY', data: Buffer.alloc(2_000_000) } },
      ]),
    );
    expect(error.message).toBe(`${path}: ${viostor}: hivex_node_set_value failed (ERANGE)`);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(filesIn(dir)).toEqual(['SYSTEM']);
  });

  it('rejects bad edits before touching anything', async () => {
    const { dir, path } = await systemHive();
    const before = readFileSync(path);
    const backupDir = join(dir, 'backup');
    const bad = await failure(applyRegistryEdits(path, [{ op: 'set', key: 'A\\\\B', name: 'X', value: { type: 'REG_DWORD', data: 1 } }], { backupDir }));
    expect(bad.code).toBe('INVALID_KEY_PATH');
    expect(bad.message).toBe(`${path}: A\\\\B: edit 1: empty key name (two backslashes in a row)`);
    const root = await failure(applyRegistryEdits(path, [{ op: 'deleteKey', key: '\\' }]));
    expect(root.message).toMatch(/root key cannot be deleted/);
    const value = await failure(applyRegistryEdits(path, [{ op: 'set', key: 'A', name: 'X', value: { type: 'REG_DWORD', data: 1.5 } }]));
    expect(value.code).toBe('INVALID_VALUE');
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(filesIn(dir)).toEqual(['SYSTEM']);
  });

  it('fails with a one-line error naming the file for a corrupt hive, leaving it as it was', async () => {
    const { dir, path } = await systemHive();
    const bytes = readFileSync(path);
    bytes.write('nope', 0x1000, 'latin1'); // break the first hbin signature
    writeFileSync(path, bytes);
    const error = await failure(applyRegistryEdits(path, [{ op: 'createKey', key: 'X' }], { backupDir: join(dir, 'backup') }));
    expect(error.code).toBe('HIVE_OPEN_FAILED');
    expect(error.message).toMatch(new RegExp(`^${path}: not a valid registry hive \\(hivex_open: E[A-Z]+\\)$`));
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });
});

describe('verifyRegistryEdits', () => {
  it('passes on a hive that holds the edits and names the first mismatch otherwise', async () => {
    const { path } = await systemHive();
    verifyRegistryEdits(path, [
      { op: 'set', key: viostor, name: 'start', value: { type: 'REG_DWORD', data: 3 } },
      { op: 'createKey', key: 'SELECT' },
      { op: 'deleteKey', key: 'Nowhere' },
      { op: 'deleteValue', key: viostor, name: 'Missing' },
    ]);

    expect(() =>
      verifyRegistryEdits(path, [
        { op: 'set', key: viostor, name: 'Start', value: { type: 'REG_DWORD', data: 0 } },
        { op: 'deleteKey', key: `${viostor}\\StartOverride` },
        { op: 'set', key: viostor, name: 'Owners', value: { type: 'REG_SZ', data: 'oem1.inf' } },
      ]),
    ).toThrow(`${path}: ${viostor}: verification after commit failed: value "Start" is type 4 with 4 bytes, expected dword:00000000 (and 2 more mismatches)`);
  });
});
