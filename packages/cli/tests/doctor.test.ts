/**
 * `hyper2kvm doctor` on this machine, for real: the KVM probe runs, the
 * appliance starts. This machine has a /dev/kvm whose guests hang, so the
 * product's probe must find TCG. Once with --json and the test virtio-win
 * ISO, once on a terminal with NO_COLOR and virtio-win missing.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkVirtioWin } from '../src/doctor/virtio-win-check.js';
import { runCli, type CliResult } from './run-cli.js';
import { ensureImage } from './test-image.js';
import { ESCAPE, runInTerminal, type TerminalRun } from './run-in-terminal.js';

const LONG = 600_000;

interface Check {
  id: string;
  title: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
  ms: number;
}

describe('hyper2kvm doctor --json', () => {
  let result: CliResult;
  let checks: Map<string, Check>;
  let work: string;
  let iso: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'h2k-doctor-'));
    iso = (await ensureImage('virtio-win')).files.iso!;
    result = await runCli(['doctor', '--json', '--virtio-win', iso, '--work-dir', work, '--output', join(work, 'out')], work);
    const report = JSON.parse(result.stdout) as { ready: boolean; checks: Check[] };
    checks = new Map(report.checks.map((check) => [check.id, check]));
  }, LONG);

  it('says a migration can run (exit 0) and checks everything, in order, each with its time', () => {
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ready: true });
    expect([...checks.keys()]).toEqual(['accelerator', 'appliance', 'qemu-img', 'hivex', 'virtio-win', 'ovmf', 'work-space', 'output-space', 'libvirt']);
    for (const check of checks.values()) expect(check.ms).toBeGreaterThanOrEqual(0);
  });

  it('finds TCG here with the measured probe, and says what to do', () => {
    const accelerator = checks.get('accelerator')!;
    expect(accelerator.status).toBe('warn');
    expect(accelerator.detail).toMatch(/^TCG \(emulation\), KVM not usable: KVM probe (timed out after|took [\d.]+ s where TCG took [\d.]+ s|failed)/);
    expect(accelerator.fix).toMatch(/KVM is there but guests hang or crawl/);
  });

  it('starts the appliance under TCG and says how long it took; qemu-img, libhivex and OVMF are there', () => {
    expect(checks.get('appliance')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^libguestfs appliance starts in \d+\.\d s under TCG$/) });
    expect(checks.get('qemu-img')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^qemu-img version \d+\.\d+/) });
    expect(checks.get('hivex')).toMatchObject({ status: 'ok', detail: 'libhivex opens hives (root key ROOT)' });
    expect(checks.get('ovmf')).toMatchObject({ status: 'ok', detail: expect.stringContaining('OVMF found') });
  });

  it('finds the virtio-win ISO it was given, with its version', () => {
    expect(checks.get('virtio-win')).toMatchObject({ status: 'ok', detail: `virtio-win 0.1.240: ISO ${iso} (--virtio-win)` });
  });

  it('measures free space in the work folder and in the output folder (not created yet: its parent)', () => {
    expect(checks.get('work-space')?.detail).toMatch(new RegExp(`^[\\d.]+ (MiB|GiB|TiB) free in ${work}`));
    expect(checks.get('output-space')?.detail).toMatch(new RegExp(`^[\\d.]+ (MiB|GiB|TiB) free in ${join(work, 'out')} \\(on ${work}\\)`));
    expect(['ok', 'warn']).toContain(checks.get('libvirt')?.status);
  });

  it('with --json, keeps stdout the document and stderr JSON events, no escape codes', () => {
    expect(result.stderr).not.toMatch(ESCAPE);
    for (const line of result.stderr.trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ type: 'progress', step: 'doctor' });
  });
});

describe('hyper2kvm doctor on a terminal with NO_COLOR, virtio-win missing', () => {
  let run: TerminalRun;

  beforeAll(async () => {
    const work = await mkdtemp(join(tmpdir(), 'h2k-doctor-tty-'));
    run = await runInTerminal(['doctor', '--virtio-win', '/nonexistent/virtio-win.iso', '--work-dir', work, '--output', work], {
      cwd: work,
      env: { NO_COLOR: '1' },
    });
  }, LONG);

  it('prints plain progress lines and no escape code at all', () => {
    expect(run.screen).not.toMatch(ESCAPE);
    expect(run.screen).toMatch(/^» doctor KVM: probing KVM with a tiny guest/m);
    expect(run.screen).toMatch(/^» doctor appliance: starting the libguestfs appliance under TCG/m);
  });

  it('gives one line per check, a fix beside each that is not ok, and still lets migrations run (exit 0)', () => {
    expect(run.code).toBe(0);
    expect(run.screen).toMatch(/^warn {2}KVM +TCG \(emulation\), KVM not usable: KVM probe .* — fix: KVM is there but guests hang or crawl/m);
    expect(run.screen).toMatch(/^ok {4}appliance +libguestfs appliance starts in \d+\.\d s under TCG\r?$/m);
    expect(run.screen).toMatch(
      /^warn {2}virtio-win +no virtio-win at \/nonexistent\/virtio-win\.iso \(--virtio-win\): Windows guests cannot be migrated — fix: install the virtio-win ISO/m,
    );
    expect(run.screen).toMatch(/^A migration can run on this host \(\d warnings?\)\.\r?$/m);
  });
});

describe('the virtio-win check', () => {
  it(
    'reads the version of an ISO from its volume id and of a folder from data/info.json',
    async () => {
      const { files, dir } = await ensureImage('virtio-win');
      const iso = files.iso!;
      const tree = files.tree!;
      expect(await checkVirtioWin(iso, '--virtio-win')).toEqual({ status: 'ok', detail: `virtio-win 0.1.240: ISO ${iso} (--virtio-win)` });
      expect(await checkVirtioWin(tree, '$VIRTIO_WIN')).toEqual({ status: 'ok', detail: `virtio-win 0.1.240: folder ${tree} ($VIRTIO_WIN)` });
      // A folder that is not virtio-win (the image's own folder holds the tree, not the drivers).
      expect(await checkVirtioWin(dir, 'the default')).toMatchObject({
        status: 'warn',
        detail: `${dir} (the default) is not a virtio-win folder: it has no viostor driver`,
      });
    },
    LONG,
  );
});
