/**
 * Keys for encrypted (LUKS) volumes, read from files: `--luks-key FILE`
 * (the file's bytes are the key, as cryptsetup's --key-file takes them) and
 * `--luks-passphrase-file FILE` (a passphrase; one trailing newline is
 * dropped), each optionally for one device (`/dev/sda2=FILE`). Keys are never
 * taken as text on the command line (it shows in the process list and shell
 * history) and never logged: messages name the file.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError, systemErrorWords, type Hyper2kvmConfig } from '@hyper2kvm/core';
import type { LuksKey } from '@hyper2kvm/guestfs';

/** Where a key comes from, before it is read. */
export interface LuksKeySpec {
  /** The LUKS volume it is for (`/dev/sda2`); absent: every volume. */
  device?: string;
  /** Absolute path of the file. */
  file: string;
  /** `key`: the bytes as they are; `passphrase`: one trailing newline dropped. */
  kind: 'key' | 'passphrase';
}

/** `[DEVICE=]FILE` of the command line, the file resolved from `cwd`. */
export function parseLuksKeyOption(value: string, kind: LuksKeySpec['kind'], cwd: string): LuksKeySpec {
  const assigned = /^(\/dev\/[^=\s]+)=(.+)$/.exec(value);
  return assigned ? { device: assigned[1]!, file: resolve(cwd, assigned[2]!), kind } : { file: resolve(cwd, value), kind };
}

/** The config's `source.luks`, its files resolved from the config file's folder. */
export function luksKeysOfConfig(config: Hyper2kvmConfig, configDir: string): LuksKeySpec[] {
  return config.source.luks.map((entry) => ({
    ...(entry.device ? { device: entry.device } : {}),
    file: resolve(configDir, (entry.keyFile ?? entry.passphraseFile)!),
    kind: entry.keyFile !== undefined ? 'key' : 'passphrase',
  }));
}

/** Reads every key. @throws {InputError} `LUKS_KEY_INVALID` naming the file. */
export async function readLuksKeys(specs: readonly LuksKeySpec[]): Promise<LuksKey[]> {
  const keys: LuksKey[] = [];
  for (const spec of specs) {
    let bytes: Buffer;
    try {
      bytes = await readFile(spec.file);
    } catch (error) {
      throw new InputError(spec.file, `cannot be read as a LUKS ${spec.kind} (${systemErrorWords(error as NodeJS.ErrnoException)})`, {
        code: 'LUKS_KEY_INVALID',
      });
    }
    let text = bytes.toString('utf8');
    if (spec.kind === 'passphrase') text = text.replace(/\r?\n$/, '');
    if (text === '') throw new InputError(spec.file, `is empty: no LUKS ${spec.kind} in it`, { code: 'LUKS_KEY_INVALID' });
    // A key file must survive as text byte for byte; a passphrase is text by nature.
    const notText = spec.kind === 'key' && !Buffer.from(text, 'utf8').equals(bytes);
    if (text.includes('\0') || notText)
      throw new InputError(spec.file, 'holds NUL bytes or bytes that are not UTF-8 text; the appliance takes LUKS keys as text (use a text key file)', {
        code: 'LUKS_KEY_INVALID',
      });
    keys.push({ ...(spec.device ? { device: spec.device } : {}), secret: text, origin: spec.file });
  }
  return keys;
}
