/**
 * Every run ends with the plugins' dispose taps, whatever its outcome: a
 * plugin holding a temporary folder from inspect on gets to remove it after
 * plan, a dry run, a blocked run and a failed run. On a guest root folder
 * (no appliance), through the real CLI.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'dispose');
let guest: string;
let project: string;

async function config(name: string, plugins: string[]): Promise<string> {
  const file = join(project, `${name}.json`);
  await writeFile(file, JSON.stringify({ plugins: plugins.map((plugin) => join(FIXTURES, `${plugin}.mjs`)) }));
  return file;
}

/** The folder temp-holder held, from its finding in a plan document or report. */
function heldFolder(document: { plan: { findings: { rule: string; message: string }[] } | null }): string {
  const finding = document.plan?.findings.find((candidate) => candidate.rule === 'temp-holder');
  if (!finding) throw new Error('temp-holder did not report its folder');
  return finding.message;
}

beforeAll(async () => {
  guest = await mkdtemp(join(tmpdir(), 'h2k-dispose-guest-'));
  await mkdir(join(guest, 'etc'), { recursive: true });
  await writeFile(join(guest, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  await writeFile(join(guest, 'etc/fstab'), '/dev/sda1 / ext4 defaults 0 1\n');
  project = await mkdtemp(join(tmpdir(), 'h2k-dispose-project-'));
});

describe('the end of every run', () => {
  it('plan', async () => {
    const result = await runCli(['plan', `dir:${guest}`, '--json', '--config', await config('plan', ['temp-holder'])], project);
    expect(result.code).toBe(0);
    const folder = heldFolder(JSON.parse(result.stdout));
    expect(folder).toMatch(/h2k-temp-holder-/);
    expect(existsSync(folder)).toBe(false);
  });

  it('a dry run', async () => {
    const result = await runCli(['migrate', `dir:${guest}`, '--dry-run', '--json', '--config', await config('dry', ['temp-holder'])], project);
    expect(result.code).toBe(0);
    expect(existsSync(heldFolder(JSON.parse(result.stdout)))).toBe(false);
  });

  it('a blocked run (exit 3)', async () => {
    const output = join(project, 'blocked-out');
    const result = await runCli(['migrate', `dir:${guest}`, '--output', output, '--config', await config('blocked', ['temp-holder', 'blocker'])], project);
    expect(result.code).toBe(3);
    const report = JSON.parse(await readFile(join(output, 'report.json'), 'utf8')) as {
      status: string;
      plan: { findings: { rule: string; message: string }[] };
    };
    expect(report.status).toBe('blocked');
    expect(existsSync(heldFolder(report))).toBe(false);
  });

  it('a failed run (exit 1)', async () => {
    const output = join(project, 'failed-out');
    const result = await runCli(['migrate', `dir:${guest}`, '--output', output, '--config', await config('failed', ['temp-holder', 'failer'])], project);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('plugin failer failed in fixOffline: the disk is full');
    const report = JSON.parse(await readFile(join(output, 'report.json'), 'utf8')) as {
      status: string;
      plan: { findings: { rule: string; message: string }[] };
    };
    expect(report.status).toBe('failed');
    expect(existsSync(heldFolder(report))).toBe(false);
  });
});
