/**
 * Reading a BCD store (a registry hive) without changing it: the boot
 * manager's default entry and the partition that entry boots from.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hive } from '@hyper2kvm/registry';
import { registryBinary, registryString } from '@hyper2kvm/core';

/** The Windows Boot Manager object. */
export const BOOT_MANAGER = '{9dea862c-5cdd-4e70-acc1-f32b344d4795}';
/** BcdBootMgrObject_DefaultObject. */
const DEFAULT_OBJECT = '23000003';
/** BcdLibraryDevice_ApplicationDevice. */
const APPLICATION_DEVICE = '11000001';

/** Where a BCD device element points. */
export type BcdDevice =
  | { kind: 'gpt'; partition: string; disk: string }
  | { kind: 'mbr'; offset: number; signature: number }
  /** `boot`: the partition the boot manager was loaded from. */
  | { kind: 'boot' }
  | { kind: 'other'; type: number };

export interface BcdDefaultEntry {
  guid: string;
  description?: string;
  device?: BcdDevice;
}

/** A GUID from its 16 bytes in Windows order (first three fields little-endian), upper case, no braces. */
export function guidFromBytes(bytes: Buffer): string {
  const hex = (b: Buffer): string => b.toString('hex');
  const le = (start: number, end: number): string => hex(Buffer.from(bytes.subarray(start, end)).reverse());
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${hex(bytes.subarray(8, 10))}-${hex(bytes.subarray(10, 16))}`.toUpperCase();
}

/**
 * Decodes a BCD device element: 16 bytes of header, the device type at
 * 0x10 (5 = boot, 6 = partition), then for a partition its identity at
 * 0x20 (GPT partition GUID or MBR byte offset), the table kind at 0x38
 * (0 = GPT, 1 = MBR) and the disk at 0x3c (GPT disk GUID or MBR signature).
 */
export function decodeBcdDevice(blob: Buffer): BcdDevice {
  if (blob.length < 0x14) return { kind: 'other', type: -1 };
  const type = blob.readUInt32LE(0x10);
  if (type === 5) return { kind: 'boot' };
  if (type !== 6 || blob.length < 0x4c) return { kind: 'other', type };
  const table = blob.readUInt32LE(0x38);
  if (table === 0) return { kind: 'gpt', partition: guidFromBytes(blob.subarray(0x20, 0x30)), disk: guidFromBytes(blob.subarray(0x3c, 0x4c)) };
  if (table === 1) return { kind: 'mbr', offset: partitionOffset(blob, 0x20), signature: blob.readUInt32LE(0x3c) };
  return { kind: 'other', type };
}

/** A volume as SYSTEM `MountedDevices` names it. */
export type MountedVolume = { kind: 'gpt'; partition: string } | { kind: 'mbr'; offset: number; signature: number };

/**
 * A partition's byte offset (a 64-bit field). Kept as a number so the facts
 * serialise as JSON: offsets up to 8 PiB are exact in a double.
 */
function partitionOffset(blob: Buffer, at: number): number {
  return Number(blob.readBigUInt64LE(at));
}

/** Decodes a `MountedDevices` value: `DMIO:ID:` + partition GUID (GPT) or signature + offset (MBR). */
export function decodeMountedDevice(blob: Buffer): MountedVolume | null {
  if (blob.length === 24 && blob.subarray(0, 8).toString('latin1') === 'DMIO:ID:') return { kind: 'gpt', partition: guidFromBytes(blob.subarray(8, 24)) };
  if (blob.length === 12) return { kind: 'mbr', signature: blob.readUInt32LE(0), offset: partitionOffset(blob, 4) };
  return null;
}

/** Whether a BCD device designates that volume; `null` when it cannot be told (other device kinds). */
export function deviceIsVolume(device: BcdDevice, volume: MountedVolume): boolean | null {
  if (device.kind === 'boot' || device.kind === 'other') return null;
  if (device.kind === 'gpt') return volume.kind === 'gpt' && device.partition === volume.partition;
  return volume.kind === 'mbr' && device.offset === volume.offset && device.signature === volume.signature;
}

/** Reads the default entry of a BCD store given as bytes; the hive is opened read-only from a temporary copy. */
export async function readBcdDefault(store: Buffer): Promise<BcdDefaultEntry | null> {
  const dir = await mkdtemp(join(tmpdir(), 'hyper2kvm-bcd-'));
  try {
    const path = join(dir, 'BCD');
    await writeFile(path, store);
    const hive = Hive.open(path);
    try {
      const guid = registryString(hive.getValue(`Objects\\${BOOT_MANAGER}\\Elements\\${DEFAULT_OBJECT}`, 'Element'));
      if (!guid) return null;
      const device = registryBinary(hive.getValue(`Objects\\${guid}\\Elements\\${APPLICATION_DEVICE}`, 'Element'));
      const description = registryString(hive.getValue(`Objects\\${guid}\\Elements\\12000004`, 'Element'));
      return { guid, ...(description === undefined ? {} : { description }), ...(device ? { device: decodeBcdDevice(device) } : {}) };
    } finally {
      hive.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
