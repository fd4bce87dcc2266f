/**
 * What a source file is, decided by its content and never by its name: an
 * OVA can be called `.tar` or `.zip`, a qcow2 `.img`, a gzip'd tar `.ova`.
 */
import { open } from 'node:fs/promises';
import { compressionOf, type Compression } from './compression.js';
import { parseTarHeader } from './tar-header.js';
import { looksLikeVmdkDescriptor } from './vmdk-descriptor.js';

export type SourceFileKind =
  | { kind: 'tar' }
  | { kind: 'zip' }
  | { kind: 'compressed'; compression: Compression }
  | { kind: 'ovf' }
  | { kind: 'vmx' }
  /** Anything else: a disk image for qemu-img to identify. */
  | { kind: 'image' };

const HEAD = 4096;
/** Keys a VMX nearly always has; a text file of `key = "value"` lines with one of them is a VMX. */
const VMX_KEYS = /^\s*(?:\.encoding|config\.version|virtualhw\.version|displayname|guestos|memsize|numvcpus)\s*=\s*"/im;

/** Reads the head of `path` and classifies it. */
export async function sniffSourceFile(path: string): Promise<SourceFileKind> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(HEAD);
    const { bytesRead } = await handle.read(head, 0, HEAD, 0);
    return classifyHead(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Classifies a file from its first bytes (up to 4 KiB). */
export function classifyHead(head: Buffer): SourceFileKind {
  const compression = compressionOf(head);
  if (compression !== undefined) return { kind: 'compressed', compression };
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return { kind: 'zip' };
  if (head.length >= 512 && parseTarHeader(head.subarray(0, 512)) !== undefined) return { kind: 'tar' };
  if (looksLikeVmdkDescriptor(head)) return { kind: 'image' };
  if (!head.includes(0)) {
    const text = head.toString('utf8').replace(/^\uFEFF/, '');
    if (/^\s*</.test(text) && /<(?:[A-Za-z_][\w.-]*:)?Envelope[\s>]/.test(text)) return { kind: 'ovf' };
    if (VMX_KEYS.test(text)) return { kind: 'vmx' };
  }
  return { kind: 'image' };
}
