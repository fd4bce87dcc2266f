/**
 * OVF manifests (`NAME.mf`): one `ALG(file)= digest` line per file of the
 * package. Tools write variants: OVF 1.x SHA1, OVF 2.0 SHA256, VMware also
 * SHA512; `sha1sum --tag` and VirtualBox put spaces around the parentheses
 * and the `=`; OpenSSL 3 spells SHA256 as `SHA2-256`.
 */
import type { DigestAlgorithm } from '@hyper2kvm/core';

export interface ManifestEntry {
  /** File name as written, relative to the manifest's folder. */
  name: string;
  algorithm: DigestAlgorithm;
  /** Lower-case hex digest. */
  digest: string;
  /** 1-based line number, for messages. */
  line: number;
}

export interface ParsedManifest {
  entries: ManifestEntry[];
  /** Lines that are not a digest line, with their numbers (blank lines are not counted). */
  malformed: { line: number; text: string; problem: string }[];
}

const LINE = /^([A-Za-z0-9-]+)\s*\((.+)\)\s*=\s*([0-9A-Fa-f]*)\s*$/;
const ALGORITHMS: Record<string, DigestAlgorithm> = {
  SHA1: 'SHA1',
  'SHA-1': 'SHA1',
  SHA256: 'SHA256',
  'SHA-256': 'SHA256',
  'SHA2-256': 'SHA256',
  SHA512: 'SHA512',
  'SHA-512': 'SHA512',
  'SHA2-512': 'SHA512',
};
/** Hex digits of each algorithm's digest. */
export const DIGEST_HEX_LENGTH: Record<DigestAlgorithm, number> = { SHA1: 40, SHA256: 64, SHA512: 128 };

/** Parses a manifest's text. Never throws: what cannot be read is reported in `malformed`. */
export function parseManifest(text: string): ParsedManifest {
  const entries: ManifestEntry[] = [];
  const malformed: ParsedManifest['malformed'] = [];
  for (const [index, raw] of text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const match = LINE.exec(line.trim());
    const number = index + 1;
    if (!match) {
      malformed.push({ line: number, text: line, problem: 'not an ALG(file)= digest line' });
      continue;
    }
    const algorithm = ALGORITHMS[(match[1] ?? '').toUpperCase()];
    const digest = (match[3] ?? '').toLowerCase();
    if (algorithm === undefined) {
      malformed.push({ line: number, text: line, problem: `unknown digest algorithm ${match[1]} (SHA1, SHA256 and SHA512 are understood)` });
      continue;
    }
    if (digest.length !== DIGEST_HEX_LENGTH[algorithm]) {
      malformed.push({ line: number, text: line, problem: `a ${algorithm} digest has ${DIGEST_HEX_LENGTH[algorithm]} hex digits, this one ${digest.length}` });
      continue;
    }
    entries.push({ name: (match[2] ?? '').trim(), algorithm, digest, line: number });
  }
  return { entries, malformed };
}

/** Node's name for an algorithm (`createHash`). */
export function nodeHashName(algorithm: DigestAlgorithm): string {
  return { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' }[algorithm];
}
