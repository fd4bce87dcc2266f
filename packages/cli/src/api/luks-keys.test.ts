import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '@hyper2kvm/core';
import { luksKeysOfConfig, parseLuksKeyOption, readLuksKeys } from './luks-keys.js';

describe('LUKS key options and files', () => {
  it('takes FILE for every volume and /dev/X=FILE for one, resolved from the working folder', () => {
    expect(parseLuksKeyOption('keys/all.key', 'key', '/work')).toEqual({ file: '/work/keys/all.key', kind: 'key' });
    expect(parseLuksKeyOption('/dev/sda2=root.pass', 'passphrase', '/work')).toEqual({ device: '/dev/sda2', file: '/work/root.pass', kind: 'passphrase' });
    expect(parseLuksKeyOption('/etc/keys/a=b', 'key', '/work')).toEqual({ file: '/etc/keys/a=b', kind: 'key' });
  });

  it('resolves config entries from the config folder, and refuses an entry with both or neither file', () => {
    const config = validateConfig({ source: { luks: [{ device: '/dev/vda3', passphraseFile: 'pass' }, { keyFile: '/k' }] } }, 'h.json');
    expect(luksKeysOfConfig(config, '/etc/h2k')).toEqual([
      { device: '/dev/vda3', file: '/etc/h2k/pass', kind: 'passphrase' },
      { file: '/k', kind: 'key' },
    ]);
    expect(() => validateConfig({ source: { luks: [{ keyFile: 'a', passphraseFile: 'b' }] } }, 'h.json')).toThrow(/exactly one of keyFile and passphraseFile/);
    expect(() => validateConfig({ source: { luks: [{ device: 'sda2', keyFile: 'a' }] } }, 'h.json')).toThrow(/\/dev\/sda2/);
  });

  it('drops one trailing newline of a passphrase, keeps a key file byte for byte, refuses NUL bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'h2k-keys-'));
    await writeFile(join(dir, 'pass'), 'secret phrase\n\n');
    await writeFile(join(dir, 'key'), 'line one\nline two\n');
    await writeFile(join(dir, 'binary'), Buffer.from([0x61, 0x00, 0x62]));
    const [pass, key] = await readLuksKeys([
      { file: join(dir, 'pass'), kind: 'passphrase' },
      { device: '/dev/sda2', file: join(dir, 'key'), kind: 'key' },
    ]);
    expect(pass).toEqual({ secret: 'secret phrase\n', origin: join(dir, 'pass') });
    expect(key).toEqual({ device: '/dev/sda2', secret: 'line one\nline two\n', origin: join(dir, 'key') });
    await expect(readLuksKeys([{ file: join(dir, 'binary'), kind: 'key' }])).rejects.toThrow(`${join(dir, 'binary')}: holds NUL bytes`);
  });
});
