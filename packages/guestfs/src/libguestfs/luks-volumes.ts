/**
 * Opening a guest's LUKS volumes in the appliance with the keys the user
 * gave, so inspection sees what is inside (a root file system, LVM). Each
 * volume is opened under the name the guest's own /etc/crypttab gives it
 * (`sda2_crypt`, `luks-<UUID>`): the guest's initramfs tools, run in the
 * appliance, look the open volume up by that name. Keys only travel as call
 * arguments to the appliance: never into a log line, an error or argv.
 */
import { InputError } from '@hyper2kvm/core';
import type { GuestfsHandle } from './ffi.js';

/** A key for one LUKS volume (`device`) or for every volume (no `device`). */
export interface LuksKey {
  /** Guest device, as the appliance shows it (`/dev/sda2`); absent: any volume. */
  device?: string;
  /** The passphrase or key file content, as text (the appliance takes a C string). */
  secret: string;
  /** Where it came from, for messages (a file name; never the key). */
  origin: string;
}

/** A volume opened in the appliance. */
export interface OpenLuksVolume {
  device: string;
  uuid: string;
  /** Name under /dev/mapper. */
  name: string;
  key: LuksKey;
}

function keyFor(device: string, keys: readonly LuksKey[]): LuksKey | undefined {
  return keys.find((key) => key.device === device) ?? keys.find((key) => key.device === undefined);
}

async function open(h: GuestfsHandle, device: string, key: LuksKey, name: string): Promise<void> {
  try {
    await h.call('guestfs_luks_open', [device, key.secret, name], `open the LUKS volume ${device}`);
  } catch (error) {
    throw new InputError(key.origin, `does not open the LUKS volume ${device} (no key slot of it takes this key)`, { code: 'LUKS_KEY_WRONG', cause: error });
  }
}

/** LVM inside newly opened volumes becomes visible only after a scan. */
async function activateLvm(h: GuestfsHandle): Promise<void> {
  await h.call('guestfs_vgscan', [], 'scan for LVM volume groups');
  await h.call('guestfs_vg_activate_all', [1], 'activate LVM volume groups');
}

/**
 * Opens each of `devices` (the LUKS volumes found) that a key is given for,
 * under a provisional name `luks-<UUID>`. A device named in `keys` that is
 * not a LUKS volume is an error: the key was meant for something else.
 */
export async function openLuksVolumes(h: GuestfsHandle, devices: readonly string[], keys: readonly LuksKey[]): Promise<OpenLuksVolume[]> {
  for (const key of keys) {
    if (key.device !== undefined && !devices.includes(key.device))
      throw new InputError(key.origin, `is given for ${key.device}, which is not a LUKS volume of this VM (LUKS volumes: ${devices.join(', ') || 'none'})`, {
        code: 'LUKS_KEY_WRONG',
      });
  }
  const opened: OpenLuksVolume[] = [];
  for (const device of devices) {
    const key = keyFor(device, keys);
    if (!key) continue;
    const uuid = await h.call('guestfs_vfs_uuid', [device], `read the LUKS UUID of ${device}`);
    const name = `luks-${uuid}`;
    await open(h, device, key, name);
    opened.push({ device, uuid, name, key });
  }
  if (opened.length > 0) await activateLvm(h);
  return opened;
}

/** The names /etc/crypttab gives volumes, by LUKS UUID and by device path. */
export function crypttabNames(text: string): { byUuid: Map<string, string>; byDevice: Map<string, string> } {
  const byUuid = new Map<string, string>();
  const byDevice = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const [name, source] = raw.trim().split(/\s+/);
    if (!name || !source || name.startsWith('#')) continue;
    const uuid = /^(?:UUID=|\/dev\/disk\/by-uuid\/)"?([0-9a-fA-F-]+)"?$/.exec(source)?.[1];
    if (uuid) byUuid.set(uuid.toLowerCase(), name);
    else if (source.startsWith('/dev/')) byDevice.set(source, name);
  }
  return { byUuid, byDevice };
}

/**
 * Reopens every volume whose crypttab name differs from its provisional one.
 * `crypttab` is the guest's /etc/crypttab (read from the inspected root).
 * Returns the volumes renamed (inspection must then run again: device names
 * changed).
 */
export async function renameToCrypttab(h: GuestfsHandle, opened: OpenLuksVolume[], crypttab: string): Promise<OpenLuksVolume[]> {
  const names = crypttabNames(crypttab);
  const renames = opened.flatMap((volume) => {
    const wanted = names.byUuid.get(volume.uuid.toLowerCase()) ?? names.byDevice.get(volume.device);
    return wanted !== undefined && wanted !== volume.name && /^[\w.:+-]+$/.test(wanted) ? [{ volume, wanted }] : [];
  });
  if (renames.length === 0) return [];
  await h.call('guestfs_vg_activate_all', [0], 'deactivate LVM volume groups');
  for (const { volume, wanted } of renames) {
    await h.call('guestfs_luks_close', [`/dev/mapper/${volume.name}`], `close the LUKS volume ${volume.device}`);
    await open(h, volume.device, volume.key, wanted);
    volume.name = wanted;
  }
  await activateLvm(h);
  return renames.map(({ volume }) => volume);
}
