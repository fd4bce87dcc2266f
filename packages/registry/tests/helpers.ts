// Shared test helpers: temporary folders and independent readers of hives
// (hivexregedit, hivexget from libhivex-bin) to check what our code wrote.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

/** A new empty folder, removed after the current test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'h2k-registry-'));
  made.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Files in a folder, sorted. */
export function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** `hivexget HIVE KEY VALUE`: the value as hivexget prints it, without the final newline. */
export function hivexget(hive: string, key: string, value: string): string {
  return execFileSync('hivexget', [hive, key, value], { encoding: 'utf8' }).replace(/\n$/, '');
}

/** A value as `hivexregedit --export` shows it: type code and exact bytes. */
export interface ExportedValue {
  code: number;
  bytes: Buffer;
}

/**
 * `hivexregedit --export HIVE PREFIX`, parsed: for every key (path from the
 * root, without the leading backslash) its values by name (`''` = default).
 */
export function hivexExport(hive: string, prefix = '\\'): Map<string, Map<string, ExportedValue>> {
  const output = execFileSync('hivexregedit', ['--export', hive, prefix], { maxBuffer: 256 * 1024 * 1024 });
  const text = decodeMixedLines(output);
  const keys = new Map<string, Map<string, ExportedValue>>();
  let current: Map<string, ExportedValue> | undefined;
  for (const line of text.replace(/\\\n\s*/g, '').split('\n')) {
    const header = /^\[\\?(.*)\]$/.exec(line);
    if (header) {
      current = new Map();
      keys.set(header[1] ?? '', current);
      continue;
    }
    const value = /^(@|"((?:[^"\\]|\\.)*)")=(.*)$/.exec(line);
    if (!value || !current) continue;
    const name = value[1] === '@' ? '' : (value[2] ?? '').replace(/\\(.)/g, '$1');
    current.set(name, parseExportedData(value[3] ?? ''));
  }
  return keys;
}

function parseExportedData(data: string): ExportedValue {
  const dword = /^dword:([0-9a-f]{8})$/.exec(data);
  if (dword) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(Number.parseInt(dword[1] ?? '0', 16));
    return { code: 4, bytes };
  }
  const hex = /^hex(?:\(([0-9a-f]+)\))?:(.*)$/.exec(data);
  if (hex) {
    const code = hex[1] === undefined ? 3 : Number.parseInt(hex[1], 16);
    const digits = hex[2] ?? '';
    return { code, bytes: Buffer.from(digits === '' ? [] : digits.split(',').map((byte) => Number.parseInt(byte, 16))) };
  }
  // Plain strings appear only with --unsafe-printable-strings, which we never pass.
  throw new Error(`unexpected hivexregedit data: ${data}`);
}

/**
 * hivexregedit prints a name that fits Latin-1 as Latin-1 bytes and any
 * other name as UTF-8; decode each line as UTF-8 if it is valid, else Latin-1.
 */
function decodeMixedLines(output: Buffer): string {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const lines: string[] = [];
  let start = 0;
  while (start <= output.length) {
    let end = output.indexOf(0x0a, start);
    if (end === -1) end = output.length;
    const line = output.subarray(start, end);
    try {
      lines.push(strict.decode(line));
    } catch {
      lines.push(line.toString('latin1'));
    }
    start = end + 1;
  }
  return lines.join('\n');
}
