/**
 * Reads a migrated Windows guest back from its OUTPUT disk, independently of
 * hyper2kvm's own guest access: one read-only guestfish call downloads the
 * SYSTEM and SOFTWARE hives and the files a test names and lists folders;
 * hive values are then read with hivexget (libhivex).
 */
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

export const SYSTEM_HIVE = '/Windows/System32/config/SYSTEM';
export const SOFTWARE_HIVE = '/Windows/System32/config/SOFTWARE';

/**
 * A value as hivexget lists it: strings unescaped, DWORDs as numbers; other
 * types keep their raw bytes (MULTI_SZ with its NUL terminators).
 */
export type HiveValue =
  | { type: 'REG_SZ' | 'REG_EXPAND_SZ'; data: string }
  | { type: 'REG_DWORD'; data: number }
  | { type: 'REG_MULTI_SZ' | 'REG_BINARY' | `hex(${string})`; data: Buffer };

export interface WindowsOutputRequest {
  /** The converted disk. */
  disk: string;
  format: 'qcow2' | 'raw';
  /** Device of the Windows system volume in the appliance, e.g. `/dev/sda3`. */
  systemVolume: string;
  /** Guest files to download besides the two hives, which must exist (a missing file is simply not there on the host). */
  files?: string[];
  /** Guest folders to list recursively. */
  listings?: string[];
}

export interface WindowsOutput {
  /** Bytes of a downloaded guest file (rejects with ENOENT naming it when the guest has no such file). */
  read(guestPath: string): Promise<Buffer>;
  /** Paths under `folder` (relative, as `find` prints them); empty when the folder does not exist. */
  listing(folder: string): string[];
  /** One value as hivexget prints it: strings as text, DWORDs in decimal, MULTI_SZ one string a line. */
  value(hive: 'SYSTEM' | 'SOFTWARE', key: string, name: string): Promise<string>;
  /** Every value of a key (`@` for the default value), typed, from hivexget's listing; `null` when the key does not exist. */
  values(hive: 'SYSTEM' | 'SOFTWARE', key: string): Promise<Record<string, HiveValue> | null>;
}

/** The guestfish argument list: mount the system volume read-only, download, list. */
function guestfishScript(request: WindowsOutputRequest, hostRoot: string): string[] {
  // A leading "-" lets one command fail without ending the session; the hives must be there.
  const commands = [
    ...[SYSTEM_HIVE, SOFTWARE_HIVE].map((path) => ['download', path, join(hostRoot, path)]),
    ...(request.files ?? []).map((path) => ['-download', path, join(hostRoot, path)]),
    ...(request.listings ?? []).map((folder, index) => ['-find0', folder, join(hostRoot, `.listing-${index}`)]),
  ];
  // "--" ends the options: getopt would take "-download" for "-d ownload" (a libvirt domain).
  return [
    '--ro',
    `--format=${request.format}`,
    '-a',
    request.disk,
    '-m',
    request.systemVolume,
    '--',
    ...commands.flatMap((command, index) => (index === 0 ? command : [':', ...command])),
  ];
}

/** Reads `request` from the output disk with one appliance launch. */
export async function readWindowsOutput(request: WindowsOutputRequest): Promise<WindowsOutput> {
  const hostRoot = await mkdtemp(join(tmpdir(), 'h2k-windows-output-'));
  for (const path of [SYSTEM_HIVE, SOFTWARE_HIVE, ...(request.files ?? [])]) await mkdir(dirname(join(hostRoot, path)), { recursive: true });
  const env = { ...process.env, LIBGUESTFS_BACKEND: process.env['LIBGUESTFS_BACKEND'] ?? 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' };
  await execa('guestfish', guestfishScript(request, hostRoot), { env });

  const listings = new Map<string, string[]>();
  for (const [index, folder] of (request.listings ?? []).entries()) {
    const raw = await readFile(join(hostRoot, `.listing-${index}`), 'utf8').catch(() => '');
    listings.set(
      folder,
      raw
        .split('\0')
        .map((path) => path.replace(/^\.?\//, ''))
        .filter(Boolean),
    );
  }
  const hiveFile = (hive: 'SYSTEM' | 'SOFTWARE'): string => join(hostRoot, hive === 'SYSTEM' ? SYSTEM_HIVE : SOFTWARE_HIVE);
  return {
    read: (guestPath) => readFile(join(hostRoot, guestPath)),
    listing: (folder) => listings.get(folder) ?? [],
    value: async (hive, key, name) => (await execa('hivexget', [hiveFile(hive), key, name])).stdout.replace(/\n$/, ''),
    values: async (hive, key) => {
      const result = await execa('hivexget', [hiveFile(hive), key], { reject: false });
      if (result.exitCode !== 0) {
        if (/subkey .* not found/.test(result.stderr)) return null;
        throw new Error(`hivexget ${hive} ${key}: ${result.stderr.trim()}`);
      }
      const values: Record<string, HiveValue> = {};
      for (const line of result.stdout.split('\n')) {
        const match = /^(?:@|"((?:[^"\\]|\\.)*)")=(.*)$/.exec(line);
        if (match) values[match[1] === undefined ? '@' : unescape(match[1])] = parseValue(match[2]!, line);
      }
      return values;
    },
  };
}

const unescape = (text: string): string => text.replace(/\\(.)/g, '$1');

/** One value in hivexget's regedit notation: `"text"`, `str(2):"text"`, `dword:0000002a`, `hex(N):01,ff,…`. */
function parseValue(notation: string, line: string): HiveValue {
  const string = /^(str\(2\):)?"((?:[^"\\]|\\.)*)"$/.exec(notation);
  if (string) return { type: string[1] ? 'REG_EXPAND_SZ' : 'REG_SZ', data: unescape(string[2]!) };
  const dword = /^dword:([0-9a-f]{8})$/.exec(notation);
  if (dword) return { type: 'REG_DWORD', data: Number.parseInt(dword[1]!, 16) };
  const hex = /^hex(?:\(([0-9a-f]+)\))?:([0-9a-f,]*)$/.exec(notation);
  if (hex) {
    const data = Buffer.from(hex[2]!.replaceAll(',', ''), 'hex');
    const type = hex[1] === '7' ? 'REG_MULTI_SZ' : hex[1] === '3' ? 'REG_BINARY' : (`hex(${hex[1] ?? ''})` as const);
    return { type, data };
  }
  throw new Error(`hivexget printed a value this helper does not parse: ${line}`);
}

/** REG_MULTI_SZ bytes as Windows stores them: UTF-16LE, each string NUL-terminated, one more NUL at the end. */
export function regMultiSz(...strings: string[]): HiveValue {
  return { type: 'REG_MULTI_SZ', data: Buffer.from(strings.map((text) => `${text}\0`).join('') + '\0', 'utf16le') };
}

export const regSz = (data: string): HiveValue => ({ type: 'REG_SZ', data });
export const regExpandSz = (data: string): HiveValue => ({ type: 'REG_EXPAND_SZ', data });
export const regDword = (data: number): HiveValue => ({ type: 'REG_DWORD', data });
export const regBinary = (bytes: number[] | Buffer): HiveValue => ({ type: 'REG_BINARY', data: Buffer.from(bytes) });

/** A `registry.set` change as report.json has it (planToJson: REG_BINARY as hex). */
export interface PlannedRegistrySet {
  kind: 'registry.set';
  hive: string;
  key: string;
  name: string;
  value: { type: string; data: unknown };
}

/** The value a planned `registry.set` must leave in the hive, in the form `values()` reads it. */
export function plannedValue(change: PlannedRegistrySet): HiveValue {
  const { type, data } = change.value;
  if (type === 'REG_SZ' || type === 'REG_EXPAND_SZ') return { type, data: data as string };
  if (type === 'REG_DWORD') return regDword(data as number);
  if (type === 'REG_MULTI_SZ') return regMultiSz(...(data as string[]));
  if (type === 'REG_BINARY') return regBinary(Buffer.from(data as string, 'hex'));
  throw new Error(`no read-back form for ${type} (${change.key}\\${change.name})`);
}

/**
 * Every `registry.set` of a run's plan compared with the output hive:
 * returns the ones that do not read back identically (empty when all do).
 */
export async function unmatchedRegistrySets(
  output: WindowsOutput,
  changes: Record<string, unknown>[],
): Promise<{ change: string; found: HiveValue | undefined }[]> {
  const sets = changes.filter((change): change is PlannedRegistrySet & Record<string, unknown> => change['kind'] === 'registry.set');
  const keys = new Map<string, Record<string, HiveValue> | null>();
  const unmatched: { change: string; found: HiveValue | undefined }[] = [];
  for (const change of sets) {
    const hive = change.hive as 'SYSTEM' | 'SOFTWARE';
    const id = `${hive}\\${change.key}`;
    if (!keys.has(id)) keys.set(id, await output.values(hive, `\\${change.key}`));
    const found = keys.get(id)?.[change.name === '' ? '@' : change.name];
    const wanted = plannedValue(change);
    const same =
      found !== undefined &&
      found.type === wanted.type &&
      (Buffer.isBuffer(wanted.data) ? Buffer.isBuffer(found.data) && found.data.equals(wanted.data) : found.data === wanted.data);
    if (!same) unmatched.push({ change: `${id}\\${change.name || '@'} = ${JSON.stringify(change.value)}`, found });
  }
  return unmatched;
}

/**
 * Why `script` is not a batch file as cmd.exe wants it (printable ASCII, no
 * BOM, every line ended by CRLF); empty when it is.
 */
export function batchFileProblems(script: Buffer): string[] {
  const problems: string[] = [];
  const outside = [...script].findIndex((byte) => byte !== 0x0d && byte !== 0x0a && (byte < 0x20 || byte > 0x7e));
  if (outside !== -1) problems.push(`byte 0x${script[outside]!.toString(16)} at offset ${outside} is not printable ASCII`);
  const text = script.toString('latin1');
  if (!text.endsWith('\r\n')) problems.push('the last line does not end with CRLF');
  if (text.split('\r\n').some((line) => line.includes('\n') || line.includes('\r'))) problems.push('a line ends with a bare LF or CR');
  return problems;
}
