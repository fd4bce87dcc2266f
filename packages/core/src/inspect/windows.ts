/**
 * Windows inspection facts, read from the guest's SYSTEM and SOFTWARE hives
 * (through the registry reader behind a GuestView) and a few files of the
 * system volume. Pure logic over the port: no tool is called from here.
 */
import type { WindowsFacts } from '../facts.js';
import type { GuestView } from '../plan/planned-guest.js';
import type { RegistryValue } from '../plan/changes.js';
import { registryDword, registryString } from '../plan/registry-values.js';

const CURRENT_VERSION_KEY = 'Microsoft\\Windows NT\\CurrentVersion';
const UNINSTALL_KEY = 'Microsoft\\Windows\\CurrentVersion\\Uninstall';
const VMWARE_TOOLS_KEY = 'VMware, Inc.\\VMware Tools';
const CONTROL_SET_NAME = /^ControlSet\d{3}$/i;

/** Signatures a hibernation file starts with while it holds a saved system (lower case). */
const HIBERNATION_SIGNATURES = new Set(['hibr', 'rstr']);

/** What inspectWindows reads; a PlannedGuest with a registry reader fits. */
export type WindowsGuestView = Pick<GuestView, 'resolveCaseInsensitive' | 'stat' | 'readFile' | 'registryValue' | 'registrySubkeys'>;

export interface InspectWindowsOptions {
  /** System root as libguestfs found it (e.g. `/Windows`); searched for when absent. */
  systemRoot?: string;
  /**
   * Reads the first `length` bytes of a guest file. Hibernation files are
   * gigabytes: pass a ranged read when the guest access has one; without it
   * the whole file is read.
   */
  readHead?: (path: string, length: number) => Promise<Buffer>;
}

/**
 * Reads the Windows facts of a guest whose system volume is mounted at `/`.
 * Returns `null` when the SOFTWARE hive has no `Windows NT\CurrentVersion`
 * (no registry reader, or not a Windows guest).
 */
export async function inspectWindows(guest: WindowsGuestView, options: InspectWindowsOptions = {}): Promise<WindowsFacts | null> {
  const version = await readVersion(guest);
  if (!version) return null;
  const controlSets = ((await guest.registrySubkeys('SYSTEM', '')) ?? []).filter((name) => CONTROL_SET_NAME.test(name)).sort();
  const currentControlSet = await readCurrentControlSet(guest, controlSets);
  const systemRoot = options.systemRoot ?? (await guest.resolveCaseInsensitive('/Windows')) ?? '/Windows';
  return {
    ...version,
    systemRoot,
    controlSets,
    currentControlSet,
    hasDriverDatabase: (await guest.registrySubkeys('SYSTEM', 'DriverDatabase')) !== null,
    hibernated: await isHibernated(guest, options.readHead),
    fastStartup: registryDword(await guest.registryValue('SYSTEM', `${currentControlSet}\\Control\\Session Manager\\Power`, 'HiberbootEnabled')) === 1,
    vmwareToolsInstalled: await hasVmwareTools(guest),
  };
}

type VersionFacts = Pick<WindowsFacts, 'productName' | 'ntVersion' | 'build' | 'installationType'> & { editionId?: string };

/** Product, NT version, build and client/server from SOFTWARE `Windows NT\CurrentVersion`. */
async function readVersion(guest: WindowsGuestView): Promise<VersionFacts | null> {
  const value = (name: string): Promise<RegistryValue | null> => guest.registryValue('SOFTWARE', CURRENT_VERSION_KEY, name);
  const productName = registryString(await value('ProductName'));
  if (productName === undefined) return null;
  // Windows 10 and later keep CurrentVersion at "6.3" for old programs; the
  // real version is in the two DWORDs, when present.
  const major = registryDword(await value('CurrentMajorVersionNumber'));
  const minor = registryDword(await value('CurrentMinorVersionNumber'));
  const ntVersion = major !== undefined ? `${major}.${minor ?? 0}` : (registryString(await value('CurrentVersion')) ?? 'unknown');
  const buildText = registryString(await value('CurrentBuildNumber')) ?? registryString(await value('CurrentBuild'));
  const build = buildText !== undefined && /^\d+$/.test(buildText.trim()) ? Number(buildText.trim()) : 0;
  const editionId = registryString(await value('EditionID'));
  const installationType = classifyInstallation(registryString(await value('InstallationType')), editionId, productName);
  return { productName, ntVersion, build, installationType, ...(editionId ? { editionId } : {}) };
}

/**
 * Client or server: `InstallationType` (Client, Server, Server Core, …) when
 * present (Windows 7 / 2008 R2 and later), otherwise the edition or name.
 */
export function classifyInstallation(installationType: string | undefined, editionId: string | undefined, productName: string): 'client' | 'server' {
  if (installationType) return /server/i.test(installationType) ? 'server' : 'client';
  if (editionId && /^server/i.test(editionId)) return 'server';
  return /\bserver\b/i.test(productName) ? 'server' : 'client';
}

/** `Select\Current` as `ControlSet00N`; the first control set when Select is missing. */
async function readCurrentControlSet(guest: WindowsGuestView, controlSets: string[]): Promise<string> {
  const current = registryDword(await guest.registryValue('SYSTEM', 'Select', 'Current'));
  if (current !== undefined && current > 0) return `ControlSet${String(current).padStart(3, '0')}`;
  return controlSets[0] ?? 'ControlSet001';
}

/**
 * Hibernated: `/hiberfil.sys` exists, is not empty and starts with a saved
 * system's signature (`hibr`, or `rstr` while a resume is under way; any
 * case). Windows zeroes the header or writes `wake` once it resumed, so an
 * old hibernation file alone does not count.
 */
async function isHibernated(guest: WindowsGuestView, readHead: InspectWindowsOptions['readHead']): Promise<boolean> {
  const path = await guest.resolveCaseInsensitive('/hiberfil.sys');
  if (!path) return false;
  const stat = await guest.stat(path);
  if (!stat || stat.type !== 'file' || stat.size < 4) return false;
  const head = readHead ? await readHead(path, 4) : (await guest.readFile(path)).subarray(0, 4);
  return HIBERNATION_SIGNATURES.has(head.toString('latin1').toLowerCase());
}

/** VMware Tools: its SOFTWARE key, or an Uninstall entry named "VMware Tools". */
async function hasVmwareTools(guest: WindowsGuestView): Promise<boolean> {
  if ((await guest.registrySubkeys('SOFTWARE', VMWARE_TOOLS_KEY)) !== null) return true;
  for (const entry of (await guest.registrySubkeys('SOFTWARE', UNINSTALL_KEY)) ?? []) {
    const name = registryString(await guest.registryValue('SOFTWARE', `${UNINSTALL_KEY}\\${entry}`, 'DisplayName'));
    if (name !== undefined && /^VMware Tools\b/i.test(name.trim())) return true;
  }
  return false;
}
