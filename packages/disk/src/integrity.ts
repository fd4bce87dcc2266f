/**
 * Integrity of an export package: its manifest checked against every file
 * it lists, each file streamed once (or its digest taken from the unpack
 * that already read it). A mismatch refuses the source; anything doubtful
 * about the manifest itself is a finding, not a refusal.
 */
import { createHash, type Hash } from 'node:crypto';
import { posix } from 'node:path';
import { InputError, type DigestAlgorithm, type Finding, type IntegrityCheck, type SourceIntegrity } from '@hyper2kvm/core';
import { packageName, type ExportPackage, type PackageFile } from './export-package.js';
import { nodeHashName, parseManifest } from './manifest.js';

const PLUGIN = '@hyper2kvm/disk';

/** What is known before reading the files, and how to check them. */
export interface IntegrityPlan {
  /** Filled in as verification runs; `verification` says how far it got. */
  readonly summary: SourceIntegrity;
  readonly findings: Finding[];
  /**
   * Reads every listed file and compares digests. Resolves with the summary
   * when all match; rejects with an {@link InputError} naming the first
   * mismatching file, the algorithm and both digests. Runs once; later calls
   * share the first run.
   */
  verify(): Promise<SourceIntegrity>;
  /** Bytes verification reads (files whose digest is not known yet). */
  readonly bytesToRead: number;
}

export interface IntegrityOptions {
  /** Names the package in messages (the OVA's path). */
  shown: string;
  /** False when the user turned verification off. */
  verifyChecksums: boolean;
  /** Package files the migration reads (the OVF, every disk and chunk): unlisted ones are a warning. */
  used: string[];
}

interface PendingCheck {
  check: IntegrityCheck;
  file: PackageFile;
}

/** Reads the manifest (if any) and plans the checks. */
export async function planIntegrity(
  pkg: ExportPackage,
  manifest: PackageFile | undefined,
  certificate: PackageFile | undefined,
  options: IntegrityOptions,
): Promise<IntegrityPlan> {
  const findings: Finding[] = [];
  const summary: SourceIntegrity = { verification: 'no-manifest', checks: [] };
  if (certificate) {
    summary.certificate = { name: certificate.name, checked: false };
    findings.push({
      plugin: PLUGIN,
      rule: 'certificate-not-checked',
      severity: 'info',
      message: `the export is signed (${certificate.name}); hyper2kvm reports the certificate but does not check the signature`,
      hint: 'check it with ovftool or openssl before migrating if the source is not trusted',
    });
  }
  if (manifest === undefined) {
    findings.push({
      plugin: PLUGIN,
      rule: 'no-manifest',
      severity: 'info',
      message: 'the export has no manifest (.mf): its files cannot be checked for corruption',
    });
    return { summary, findings, bytesToRead: 0, verify: async () => summary };
  }
  summary.manifest = manifest.name;
  const parsed = parseManifest(await readSmall(manifest, options.shown));
  for (const line of parsed.malformed) {
    findings.push({
      plugin: PLUGIN,
      rule: 'manifest-line-malformed',
      severity: 'warning',
      message: `${manifest.name} line ${line.line} is not understood and was ignored: ${line.problem}`,
    });
  }
  const folder = posix.dirname(manifest.name) === '.' ? '' : posix.dirname(manifest.name);
  const pending: PendingCheck[] = [];
  const listed = new Set<string>();
  for (const entry of parsed.entries) {
    const name = packageName(folder, entry.name);
    const file = name === undefined ? undefined : await pkg.file(name);
    if (name !== undefined) listed.add(name);
    if (file === undefined) {
      findings.push({
        plugin: PLUGIN,
        rule: 'manifest-lists-missing-file',
        severity: 'warning',
        message: `${manifest.name} lists "${entry.name}", which the export does not hold (ignored)`,
      });
      continue;
    }
    pending.push({ check: { name: entry.name, algorithm: entry.algorithm, expected: entry.digest }, file });
  }
  for (const name of options.used) {
    if (!listed.has(name))
      findings.push({
        plugin: PLUGIN,
        rule: 'file-not-in-manifest',
        severity: 'warning',
        message: `"${name}" is not listed in ${manifest.name}: it is used without an integrity check`,
      });
  }
  summary.checks = pending.map((entry) => entry.check);
  if (!options.verifyChecksums) {
    summary.verification = 'skipped';
    findings.push({
      plugin: PLUGIN,
      rule: 'checksums-not-verified',
      severity: 'warning',
      message: `checksum verification was turned off: the ${pending.length} file(s) ${manifest.name} lists were not checked`,
      hint: 'drop --no-verify-checksums to check them',
    });
    return { summary, findings, bytesToRead: 0, verify: async () => summary };
  }
  summary.verification = 'not-checked';
  const files = groupByFile(pending);
  const bytesToRead = files
    .filter(({ file, checks }) => checks.some((check) => file.digests[check.algorithm] === undefined))
    .reduce((sum, { file }) => sum + file.size, 0);
  let running: Promise<SourceIntegrity> | undefined;
  const verify = (): Promise<SourceIntegrity> => {
    running ??= (async () => {
      for (const { file, checks } of files) {
        const digests = await digestsOf(file, [...new Set(checks.map((check) => check.algorithm))], options.shown);
        for (const check of checks) {
          check.actual = digests[check.algorithm];
          if (check.actual !== check.expected) {
            throw new InputError(
              options.shown,
              `"${check.name}" does not match ${manifest.name}: ${check.algorithm} expected ${check.expected}, got ${check.actual} (the file is damaged or was changed after the export; nothing was written)`,
              { code: 'CHECKSUM_MISMATCH' },
            );
          }
        }
      }
      summary.verification = 'verified';
      return summary;
    })();
    return running;
  };
  return { summary, findings, bytesToRead, verify };
}

function groupByFile(pending: PendingCheck[]): { file: PackageFile; checks: IntegrityCheck[] }[] {
  const groups = new Map<PackageFile, IntegrityCheck[]>();
  for (const { file, check } of pending) groups.set(file, [...(groups.get(file) ?? []), check]);
  return [...groups].map(([file, checks]) => ({ file, checks }));
}

/** The digests of a file: known ones as they are, the rest computed in one read. */
async function digestsOf(file: PackageFile, algorithms: DigestAlgorithm[], shown: string): Promise<Partial<Record<DigestAlgorithm, string>>> {
  const missing = algorithms.filter((algorithm) => file.digests[algorithm] === undefined);
  if (missing.length > 0) {
    const hashes = new Map<DigestAlgorithm, Hash>(missing.map((algorithm) => [algorithm, createHash(nodeHashName(algorithm))]));
    try {
      for await (const chunk of file.read() as AsyncIterable<Buffer>) for (const hash of hashes.values()) hash.update(chunk);
    } catch (error) {
      throw new InputError(shown, `"${file.name}" cannot be read to check its digest (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
        cause: error,
      });
    }
    for (const [algorithm, hash] of hashes) file.digests[algorithm] = hash.digest('hex');
  }
  return file.digests;
}

/** The content of a small package file (manifest, OVF) as text. */
export async function readSmall(file: PackageFile, shown: string, limit = 16 * 1024 * 1024): Promise<string> {
  if (file.size > limit) throw new InputError(shown, `"${file.name}" is too large (${file.size} bytes) for a descriptor`);
  const chunks: Buffer[] = [];
  for await (const chunk of file.read() as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
