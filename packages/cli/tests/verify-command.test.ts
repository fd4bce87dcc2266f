/** `hyper2kvm verify`: help and usage errors (the boots themselves are in boot-proof.test.ts). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, runCli } from './run-cli.js';

const run = (argv: string[]): Promise<CliResult> => runCli(argv, tmpdir());

describe('hyper2kvm verify', () => {
  it('explains itself', async () => {
    const help = await run(['verify', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: hyper2kvm verify DIR [options]');
    expect(help.stdout).toContain('--disk FILE');
    expect(help.stdout).not.toContain('Not available yet');
  });

  it.each([
    [[], /name one output folder, or --disk FILE/],
    [['a', 'b'], /name one output folder/],
    [['dir', '--disk', 'x.vmdk'], /not both/],
    [['dir', '--timeout', 'soon'], /--timeout must be a whole number/],
    [['--disk', 'x.vmdk', '--mac', '00:50:56'], /--mac must look like/],
    [['--disk', 'x.vmdk', '--bus', 'ide'], /--bus must be one of virtio, scsi, sata/],
    [['dir', '--mac', '52:54:00:12:34:56'], /go with --disk/],
  ])('refuses %j with exit 2', async (argv, message) => {
    const result = await run(['verify', ...argv]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('fails plainly on a folder with nothing to boot', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'h2k-verify-empty-'));
    try {
      const result = await run(['verify', empty]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/no report\.json, and no libvirt domain/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
