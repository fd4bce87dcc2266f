/** Doctor: is there a virtio-win ISO or folder for Windows guests, and which version? */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { openVirtioWin, type VirtioWinSource } from '@hyper2kvm/virtio-win';
import type { CheckFinding } from './check.js';

const VERSION_IN_NAME = /virtio-win[-_](\d+\.\d+\.\d+(?:-\d+)?)/i;

/** The ISO's volume id (`virtio-win-0.1.240`), from `isoinfo -d`. */
export function volumeIdOf(isoinfoText: string): string | undefined {
  return /^Volume id:\s*(.+?)\s*$/m.exec(isoinfoText)?.[1];
}

/** The version a virtio-win source says it is: data/info.json, else the volume id or the file name. */
async function versionOf(source: VirtioWinSource): Promise<string | undefined> {
  if (source.kind === 'directory') {
    const info = await readFile(join(source.path, 'data', 'info.json'), 'utf8').catch(() => undefined);
    const version = info === undefined ? undefined : (JSON.parse(info) as { version?: unknown }).version;
    if (typeof version === 'string') return version;
    return VERSION_IN_NAME.exec(source.path)?.[1];
  }
  const described = await execa('isoinfo', ['-d', '-i', source.path], { reject: false });
  const volumeId = described.failed ? undefined : volumeIdOf(String(described.stdout));
  return VERSION_IN_NAME.exec(volumeId ?? '')?.[1] ?? VERSION_IN_NAME.exec(basename(source.path))?.[1];
}

/** Opens the source the run would use and looks for the storage driver every Windows guest needs. */
export async function checkVirtioWin(path: string, chosenBy: string): Promise<CheckFinding> {
  const fix =
    'install the virtio-win ISO (the virtio-win package, or virtio-win.iso from the virtio-win project) and name it with --virtio-win PATH, virtioWin in the config or $VIRTIO_WIN; only Windows guests need it';
  const source = await openVirtioWin(path);
  if (source === null) return { status: 'warn', detail: `no virtio-win at ${path} (${chosenBy}): Windows guests cannot be migrated`, fix };
  try {
    const entries = await source.list();
    if (!entries.some((entry) => entry.toLowerCase().startsWith('viostor/'))) {
      return { status: 'warn', detail: `${path} (${chosenBy}) is not a virtio-win ${source.kind === 'iso' ? 'ISO' : 'folder'}: it has no viostor driver`, fix };
    }
    const version = await versionOf(source);
    return { status: 'ok', detail: `virtio-win ${version ?? '(version not stated)'}: ${source.kind === 'iso' ? 'ISO' : 'folder'} ${path} (${chosenBy})` };
  } catch (error) {
    return { status: 'warn', detail: `${path} (${chosenBy}) cannot be read: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, fix };
  } finally {
    await source.dispose();
  }
}
