/**
 * An encrypted root with its key (ubuntu-2204-luks: ext4 / in LUKS2 on
 * /dev/sda2, opened at boot as sda2_crypt), through the command and the real
 * appliance: the passphrase file opens it, the repair lands inside the
 * encrypted volume, the volume is opened under the guest's crypttab name, and
 * the passphrase is nowhere in what the run prints or writes. A wrong key is
 * one line naming the key file; unreadable key files fail before any launch.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/index.js';
import { runCli, type CliResult } from './run-cli.js';
import { ensureImage, sha256 } from './test-image.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
const LONG = 600_000;
const PHONY_CONFIG = join(import.meta.dirname, 'fixtures', 'phony-guest.config.json');
/** The recipe's passphrase (test-images/recipes/ubuntu-2204-luks.mjs). */
const PASSPHRASE = 'hyper2kvm-luks-test';

let ova: string;
let sourceHash: string;
let keys: string;

beforeAll(async () => {
  ova = (await ensureImage('ubuntu-2204-luks')).files.ova!;
  sourceHash = await sha256(ova);
  keys = await mkdtemp(join(tmpdir(), 'h2k-luks-keys-'));
  await writeFile(join(keys, 'passphrase'), `${PASSPHRASE}\n`, { mode: 0o600 });
  await writeFile(join(keys, 'wrong'), 'not-the-passphrase\n', { mode: 0o600 });
  await writeFile(join(keys, 'empty'), '', { mode: 0o600 });
}, LONG);

async function migrate(...extra: string[]): Promise<CliResult & { outputDir: string; error: string }> {
  const outputDir = join(await mkdtemp(join(tmpdir(), 'h2k-luks-')), 'out');
  const result = await runCli(['migrate', ova, '--output', outputDir, '--config', PHONY_CONFIG, ...extra], outputDir);
  return { ...result, outputDir, error: result.stderr.trim().split('\n').at(-1) ?? '' };
}

describe('an encrypted root with its passphrase file (ubuntu-2204-luks)', () => {
  let run: Awaited<ReturnType<typeof migrate>>;
  let report: RunReport;
  beforeAll(async () => {
    run = await migrate('--luks-passphrase-file', `/dev/sda2=${join(keys, 'passphrase')}`, '--json');
    report = JSON.parse(await readFile(join(run.outputDir, 'report.json'), 'utf8')) as RunReport;
  }, LONG);

  it('migrates: inspected through the opened volume, converted', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(report.status).toBe('converted');
    expect(report.facts?.linux?.fstab).toContainEqual(expect.objectContaining({ spec: '/dev/mapper/sda2_crypt', mountpoint: '/' }));
  });

  it('opened the volume under the name its crypttab gives it', async () => {
    const log = await readFile(join(run.outputDir, 'hyper2kvm.log'), 'utf8');
    expect(log).toMatch(/"device":"\/dev\/sda2","name":"sda2_crypt","msg":"LUKS volume reopened under its crypttab name"/);
  });

  it(
    'wrote the repair inside the encrypted volume of the output disk',
    async () => {
      // hypervisor-tools deletes open-vm-tools' enablement links: files on the encrypted root.
      const deleted = (report.plan?.changes ?? []).flatMap((change) =>
        change.kind === 'file.delete' && typeof change.path === 'string' && change.path.startsWith('/etc/') ? [change.path] : [],
      );
      expect(deleted.length).toBeGreaterThan(0);
      const fish = await execa(
        'guestfish',
        [
          '--ro',
          '--format=qcow2',
          '-a',
          report.outputs[0]!.path,
          '--keys-from-stdin',
          'run',
          ...[':', 'luks-open', '/dev/sda2', 'sda2_crypt', ':', 'mount-ro', '/dev/mapper/sda2_crypt', '/', ':', 'cat', '/etc/hostname'],
          ...deleted.flatMap((path) => [':', 'exists', path]),
        ],
        { input: `${PASSPHRASE}\n`, env: { LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' } },
      );
      expect(fish.stdout.split('\n').filter((line) => line !== '')).toEqual([report.facts?.os.hostname, ...deleted.map(() => 'false')]);
    },
    LONG,
  );

  it('never shows the passphrase: not on stdout or stderr, not in the log or the reports', async () => {
    const written = await Promise.all(['hyper2kvm.log', 'report.json', 'report.md'].map((name) => readFile(join(run.outputDir, name), 'utf8')));
    for (const text of [run.stdout, run.stderr, ...written]) expect(text).not.toContain(PASSPHRASE);
    expect(await sha256(ova)).toBe(sourceHash);
  });
});

describe('LUKS keys that do not work', () => {
  it(
    'a wrong passphrase: exit 1, one line naming the key file and the volume, no disk, the source untouched',
    async () => {
      const wrong = join(keys, 'wrong');
      const run = await migrate('--luks-passphrase-file', wrong);
      expect(run.code).toBe(1);
      expect(run.error).toBe(`${wrong}: does not open the LUKS volume /dev/sda2 (no key slot of it takes this key)`);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr).not.toContain('not-the-passphrase');
      expect((await readdir(run.outputDir)).filter((name) => !name.endsWith('.log'))).toEqual([]);
      expect(await sha256(ova)).toBe(sourceHash);
    },
    LONG,
  );

  it('a missing or empty key file fails before anything starts', async () => {
    const missing = await migrate('--luks-key', join(keys, 'absent'));
    expect(missing.code).toBe(1);
    expect(missing.error).toBe(`${join(keys, 'absent')}: cannot be read as a LUKS key (no such file or directory)`);
    const empty = await migrate('--luks-passphrase-file', join(keys, 'empty'));
    expect(empty.code).toBe(1);
    expect(empty.error).toBe(`${join(keys, 'empty')}: is empty: no LUKS passphrase in it`);
  });
});
