/**
 * Renders registry edits for people, in the form of a regedit `.reg` file:
 *
 * ```
 * [HKLM\SYSTEM\ControlSet001\Services\viostor]
 * "Start"=dword:00000000
 * "Group"="SCSI miniport"
 * "ImagePath"=expand_sz:"system32\\drivers\\viostor.sys"
 * "Old"=-
 * [-HKLM\SYSTEM\ControlSet001\Services\viostor\StartOverride]
 * ```
 *
 * REG_SZ, REG_DWORD and REG_BINARY lines, `@` for the default value, `=-`
 * and `[-…]` for deletions are regedit's own syntax, with its escaping
 * (`\\` and `\"` inside quotes). Types regedit can only show as `hex(n):`
 * bytes get a readable form instead, which regedit would not import:
 * `expand_sz:"…"`, `multi_sz:"a","b"`, `qword:<16 hex digits>`. A string
 * holding control characters falls back to `hex(n):` bytes so that every
 * line stays one line. Consecutive edits of one key share its `[…]` header.
 */
import type { RegistryEdit } from './edit-types.js';
import { foldName } from './key-path.js';
import { encodeValue, type RegistryValue } from './value.js';

/** Root prefix regedit shows for each well-known hive file. */
const HIVE_ROOTS: Record<string, string> = {
  SYSTEM: 'HKLM\\SYSTEM',
  SOFTWARE: 'HKLM\\SOFTWARE',
  SAM: 'HKLM\\SAM',
  SECURITY: 'HKLM\\SECURITY',
  COMPONENTS: 'HKLM\\COMPONENTS',
  DRIVERS: 'HKLM\\DRIVERS',
  BCD: 'HKLM\\BCD00000000',
  DEFAULT: 'HKU\\.DEFAULT',
  'NTUSER.DAT': 'HKCU',
};

/**
 * The regedit root of a hive, from its file name or guest path
 * (`/Windows/System32/config/SYSTEM` gives `HKLM\SYSTEM`). A hive that is
 * not a well-known one is shown under `HKLM\<FILE NAME>`, as if loaded there.
 */
export function hiveRootPrefix(hive: string): string {
  const fileName = hive.split(/[\\/]/).at(-1) ?? hive;
  const upper = fileName.toUpperCase();
  return HIVE_ROOTS[upper] ?? `HKLM\\${upper}`;
}

/** The edits as `.reg`-like text (see the module comment), one line per edit, ending with a newline. */
export function renderRegistryEdits(hive: string, edits: readonly RegistryEdit[]): string {
  const root = hiveRootPrefix(hive);
  const lines: string[] = [];
  let openKey: string | undefined;
  const fullPath = (key: string) => {
    const relative = key.replace(/^\\+/, '').replace(/\\+$/, '');
    return relative === '' ? root : `${root}\\${relative}`;
  };
  for (const edit of edits) {
    const path = fullPath(edit.key);
    if (edit.op === 'deleteKey') {
      lines.push(`[-${path}]`);
      openKey = undefined;
      continue;
    }
    if (openKey === undefined || foldName(openKey) !== foldName(path)) {
      lines.push(`[${path}]`);
      openKey = path;
    }
    if (edit.op === 'set') lines.push(`${renderValueName(edit.name)}=${renderRegistryValue(edit.value)}`);
    if (edit.op === 'deleteValue') lines.push(`${renderValueName(edit.name)}=-`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** `@` for the default value, else the name quoted. */
export function renderValueName(name: string): string {
  return name === '' ? '@' : quote(name);
}

/** The right-hand side of a `.reg` line for `value` (see the module comment). */
export function renderRegistryValue(value: RegistryValue): string {
  switch (value.type) {
    case 'REG_SZ':
      return hasControlCharacters(value.data) ? hexForm(value) : quote(value.data);
    case 'REG_EXPAND_SZ':
      return hasControlCharacters(value.data) ? hexForm(value) : `expand_sz:${quote(value.data)}`;
    case 'REG_MULTI_SZ':
      return value.data.some(hasControlCharacters) ? hexForm(value) : `multi_sz:${value.data.map(quote).join(',')}`;
    case 'REG_DWORD':
      return `dword:${value.data.toString(16).padStart(8, '0')}`;
    case 'REG_QWORD':
      return `qword:${value.data.toString(16).padStart(16, '0')}`;
    case 'REG_BINARY':
      return `hex:${hexBytes(value.data)}`;
    case 'REG_NONE':
    case 'REG_RAW':
      return hexForm(value);
  }
}

function hexForm(value: RegistryValue): string {
  const { code, bytes } = encodeValue(value);
  return `hex(${code.toString(16)}):${hexBytes(bytes)}`;
}

function hexBytes(bytes: Buffer): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(',');
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function hasControlCharacters(text: string): boolean {
  return /[\x00-\x1f\x7f]/.test(text);
}
