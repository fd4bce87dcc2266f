import { InputError } from '@hyper2kvm/core';
import { isAbsolute } from 'node:path';
import { hasQemuProtocol, resolveInside } from './safe-path.js';

/** One line of a VMDK descriptor's extent description. */
export interface VmdkExtent {
  access: 'RW' | 'RDONLY' | 'NOACCESS';
  /** Size of the extent in 512-byte sectors. */
  sectors: number;
  /** `FLAT`, `SPARSE`, `ZERO`, `VMFS`, `VMFSSPARSE`, `SESPARSE`, … (upper case). */
  type: string;
  /** File name as written in the descriptor; absent for `ZERO` extents. */
  fileName?: string;
  /** Start of the data inside the extent file, in sectors (`FLAT` extents). */
  offset: number;
}

/** The facts a text VMDK descriptor holds. */
export interface VmdkDescriptor {
  createType: string;
  cid?: string;
  parentCid?: string;
  /** The parent of a snapshot (delta) disk, as written. */
  parentFileNameHint?: string;
  extents: VmdkExtent[];
  /** Every `ddb.*` entry, keys as written (without the `ddb.` prefix). */
  ddb: Record<string, string>;
  geometry?: { cylinders: number; heads: number; sectors: number };
  adapterType?: string;
}

const EXTENT_LINE = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+([A-Za-z]+)(?:\s+"([^"]*)"(?:\s+(\d+))?)?\s*$/;
const KEY_VALUE = /^([A-Za-z0-9_.]+)\s*=\s*(?:"([^"]*)"|(\S*))\s*$/;

/**
 * True when `head` (the start of a file) reads like a text VMDK descriptor:
 * text, possibly padded with NUL bytes to a sector boundary.
 */
export function looksLikeVmdkDescriptor(head: Buffer): boolean {
  const end = head.indexOf(0);
  if (end !== -1 && !head.subarray(end).every((byte) => byte === 0)) return false;
  const text = head.toString('latin1', 0, end === -1 ? head.length : end);
  return /^\s*#\s*Disk DescriptorFile/m.test(text) || /^\s*createType\s*=/m.test(text);
}

/**
 * Parses a text VMDK descriptor (a standalone `.vmdk` descriptor file or the
 * descriptor embedded in a monolithicSparse extent). `file` names the source
 * in errors.
 */
export function parseVmdkDescriptor(text: string, file: string): VmdkDescriptor {
  const descriptor: VmdkDescriptor = { createType: '', extents: [], ddb: {} };
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\0+$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const extent = EXTENT_LINE.exec(line);
    if (extent) {
      const [, access, sectors, type, fileName, offset] = extent;
      const upperType = (type ?? '').toUpperCase();
      if (fileName === undefined && upperType !== 'ZERO') {
        throw new InputError(file, `VMDK descriptor line ${index + 1}: ${upperType} extent without a file name`);
      }
      descriptor.extents.push({
        access: access as VmdkExtent['access'],
        sectors: Number(sectors),
        type: upperType,
        ...(fileName === undefined ? {} : { fileName }),
        offset: offset === undefined ? 0 : Number(offset),
      });
      continue;
    }
    const pair = KEY_VALUE.exec(line);
    if (!pair) throw new InputError(file, `VMDK descriptor line ${index + 1} is not understood: ${truncate(line)}`);
    const key = pair[1] ?? '';
    const value = pair[2] ?? pair[3] ?? '';
    const lower = key.toLowerCase();
    if (lower.startsWith('ddb.')) descriptor.ddb[key.slice(4)] = value;
    else if (lower === 'createtype') descriptor.createType = value;
    else if (lower === 'cid') descriptor.cid = value;
    else if (lower === 'parentcid') descriptor.parentCid = value;
    else if (lower === 'parentfilenamehint') descriptor.parentFileNameHint = value;
  }
  if (descriptor.createType === '') throw new InputError(file, 'VMDK descriptor has no createType');
  if (descriptor.extents.length === 0) throw new InputError(file, 'VMDK descriptor lists no extents');
  const geometry = ['cylinders', 'heads', 'sectors'].map((part) => Number(descriptor.ddb[`geometry.${part}`]));
  const [cylinders, heads, sectors] = geometry;
  if (cylinders !== undefined && heads !== undefined && sectors !== undefined && geometry.every(Number.isInteger)) {
    descriptor.geometry = { cylinders, heads, sectors };
  }
  const adapterType = descriptor.ddb['adapterType'];
  if (adapterType !== undefined) descriptor.adapterType = adapterType;
  return descriptor;
}

/** An extent with its file resolved to an absolute path. */
export interface ResolvedVmdkExtent extends VmdkExtent {
  path?: string;
}

/**
 * Resolves the extent files of a descriptor against its folder. An absolute
 * extent name, a name that leaves the folder, or a qemu protocol name is
 * refused. (Parents are resolved and checked by `resolveVmdkChain`.)
 */
export function resolveVmdkDescriptorPaths(descriptor: VmdkDescriptor, folder: string, file: string): { extents: ResolvedVmdkExtent[] } {
  const extents = descriptor.extents.map((extent): ResolvedVmdkExtent => {
    if (extent.fileName === undefined) return { ...extent };
    const name = extent.fileName;
    const path = isAbsolute(name) || hasQemuProtocol(name) ? undefined : resolveInside(folder, name);
    if (path === undefined) throw new InputError(file, `extent "${name}" would leave the descriptor's folder`);
    return { ...extent, path };
  });
  return { extents };
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
