/**
 * VMware snapshot chains: a delta VMDK (`web01-000002.vmdk`) names its
 * parent (`parentFileNameHint`) and the parent's content ID at the time of
 * the snapshot (`parentCID`). qemu follows the hint but never compares IDs;
 * a parent written after the snapshot (its CID changed) reads as silently
 * corrupt data. Here every link is checked before anything is opened.
 */
import { InputError, snapshotChainBroken } from '@hyper2kvm/core';
import { open, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { hasQemuProtocol, resolveInside } from './safe-path.js';
import { looksLikeVmdkDescriptor, parseVmdkDescriptor } from './vmdk-descriptor.js';
import { readEmbeddedDescriptor, readSparseExtentHeader } from './vmdk-sparse.js';

/** The chain facts of one VMDK layer. */
export interface VmdkLayer {
  path: string;
  cid?: string;
  parentCid?: string;
  parentFileNameHint?: string;
}

/** `parentCID` of a disk without a parent. */
const NO_PARENT = 'ffffffff';
const MAX_CHAIN = 64;
const MAX_DESCRIPTOR = 1024 * 1024;

/** The descriptor facts of a VMDK file (text descriptor or sparse extent with an embedded one); `undefined` for other files. */
export async function readVmdkLayer(path: string): Promise<VmdkLayer | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, 4096));
    await handle.read(head, 0, head.length, 0);
    let text: string | undefined;
    if (size <= MAX_DESCRIPTOR && looksLikeVmdkDescriptor(head)) {
      const whole = Buffer.alloc(size);
      await handle.read(whole, 0, size, 0);
      const end = whole.indexOf(0);
      text = whole.toString('utf8', 0, end === -1 ? size : end);
    } else {
      const window = { handle, base: 0, size };
      const header = await readSparseExtentHeader(window);
      if (header === undefined) return undefined;
      text = await readEmbeddedDescriptor(window, header);
    }
    if (text === undefined) return { path };
    const descriptor = parseVmdkDescriptor(text, path);
    const layer: VmdkLayer = { path };
    if (descriptor.cid !== undefined) layer.cid = descriptor.cid.toLowerCase();
    if (descriptor.parentCid !== undefined) layer.parentCid = descriptor.parentCid.toLowerCase();
    if (descriptor.parentFileNameHint !== undefined && descriptor.parentFileNameHint !== '') layer.parentFileNameHint = descriptor.parentFileNameHint;
    return layer;
  } finally {
    await handle.close();
  }
}

/** True when the layer is a delta on a parent. */
export function hasParent(layer: VmdkLayer): boolean {
  return layer.parentFileNameHint !== undefined && (layer.parentCid ?? '') !== NO_PARENT;
}

/**
 * Every layer of the chain `top` belongs to, newest first, each checked:
 * the parent exists in the folder (an absolute ESXi hint such as
 * `/vmfs/volumes/ds1/web01/web01.vmdk` is looked up by its base name beside
 * the child) and its CID equals the child's parentCID. A broken link is an
 * {@link InputError} against `shown` naming it.
 */
export async function resolveVmdkChain(top: string, shown: string): Promise<VmdkLayer[]> {
  const first = await readVmdkLayer(resolve(top));
  if (first === undefined) return [];
  const chain: VmdkLayer[] = [first];
  const seen = new Set([first.path]);
  let child = first;
  while (hasParent(child)) {
    if (chain.length >= MAX_CHAIN) throw new InputError(shown, `snapshot chain is longer than ${MAX_CHAIN} disks`);
    const hint = child.parentFileNameHint!;
    const parentPath = parentPathOf(child.path, hint, shown);
    const childName = basename(child.path);
    const exists = await stat(parentPath).then(
      (stats) => stats.isFile(),
      () => false,
    );
    if (!exists)
      throw snapshotChainBroken(
        shown,
        `snapshot chain is broken: "${childName}" is a snapshot of "${hint}", which is missing (copy every file of the VM's folder)`,
      );
    if (seen.has(parentPath)) throw snapshotChainBroken(shown, `snapshot chain is broken: "${childName}" leads back to "${basename(parentPath)}" in a loop`);
    const parent = await readVmdkLayer(parentPath);
    if (parent === undefined) throw snapshotChainBroken(shown, `snapshot chain is broken: "${childName}" names "${hint}" as its parent, which is not a VMDK`);
    if (child.parentCid !== undefined && parent.cid !== undefined && child.parentCid !== parent.cid) {
      throw snapshotChainBroken(
        shown,
        `snapshot chain is broken: "${childName}" was taken from "${basename(parentPath)}" with content ID ${child.parentCid}, but that file's content ID is now ${parent.cid} (it was written after the snapshot, so the snapshot no longer applies to it)`,
      );
    }
    seen.add(parentPath);
    chain.push(parent);
    child = parent;
  }
  return chain;
}

/**
 * Where a parent hint points: inside the child's folder; an absolute path
 * (an ESXi datastore path, a Windows path from Workstation) by its base name
 * beside the child, since exports copy a VM's files into one folder.
 */
function parentPathOf(childPath: string, hint: string, shown: string): string {
  const folder = dirname(childPath);
  const windowsAbsolute = /^(?:[A-Za-z]:)?[\\/]/.test(hint);
  if (!windowsAbsolute && hasQemuProtocol(hint))
    throw new InputError(shown, `"${basename(childPath)}" names "${hint}" as its parent, which is not a local file`);
  const name = isAbsolute(hint) || windowsAbsolute ? basename(hint.replace(/\\/g, '/')) : hint;
  const inside = resolveInside(folder, name);
  if (inside === undefined) throw new InputError(shown, `"${basename(childPath)}" names "${hint}" as its parent, which would leave the VM's folder`);
  return inside;
}
