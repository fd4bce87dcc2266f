/**
 * `hyper2kvm migrate` through the CLI on the phony hibernated Windows 10
 * (hiberfil.sys holds a saved system, Fast Startup on), with the built-in
 * preset: refused with exit 3, one line saying why and how to fix it, no
 * disk or domain written (only the report saying why), the source unchanged.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureImage, sha256 } from './test-image.js';
import { runCli } from './run-cli.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
const LONG = 900_000;

let result: { code: number; stdout: string; stderr: string };
let vmdk: string;
let sourceHash: string;
let outputDir: string;

const run = runCli;

beforeAll(async () => {
  const image = await ensureImage('windows-10-hibernated');
  vmdk = image.files.vmdk!;
  sourceHash = await sha256(vmdk);
  // An empty folder as cwd: no config file, so the built-in preset (windows-guard included) applies.
  const cwd = await mkdtemp(join(tmpdir(), 'h2k-cli-blocked-'));
  outputDir = join(cwd, 'out');
  result = await run(['migrate', vmdk, '--output', outputDir, '--quiet'], cwd);
}, LONG);

describe('hyper2kvm migrate on a hibernated Windows', () => {
  it('exits 3 (blocked)', () => {
    expect(result.code, result.stderr).toBe(3);
  });

  it('prints one line naming hibernation / Fast Startup and how to fix it', () => {
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatch(/hibernat/i);
    expect(line).toMatch(/fast startup/i);
    expect(line).toContain('powercfg /h off');
  });

  it('writes no disk image and no domain, only the report saying why', async () => {
    const written = await readdir(outputDir);
    expect(written.filter((name) => /\.(qcow2|raw|img|partial|xml|ya?ml)$/i.test(name))).toEqual([]);
    expect(written).toEqual(expect.arrayContaining(['report.json', 'report.md']));
    const report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as {
      status: string;
      outputs: unknown[];
      plan: { findings: { rule: string; severity: string }[] };
    };
    expect(report.status).toBe('blocked');
    expect(report.outputs).toEqual([]);
    expect(report.plan.findings.filter((finding) => finding.severity === 'error').map((finding) => finding.rule)).toEqual(
      expect.arrayContaining(['windows-hibernated', 'windows-fast-startup']),
    );
  });

  it('leaves the source unchanged', async () => {
    expect(await sha256(vmdk)).toBe(sourceHash);
  });
});
