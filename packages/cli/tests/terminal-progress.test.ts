/**
 * The CLI on a terminal (a pseudo-terminal from util-linux `script`), on the
 * phony Ubuntu 22.04 OVA through the real appliance and qemu-img: what the
 * screen shows while the long steps run (NO_COLOR on a terminal: doctor.test.ts).
 *
 * The migrate run enables initramfs-virtio, whose rebuild runs in the
 * appliance and fails on the phony guest's placeholder update-initramfs: the
 * point is the live line while it runs and the one line it leaves.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureImage } from './test-image.js';
import { ESCAPE, runInTerminal, type TerminalRun } from './run-in-terminal.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const LONG = 600_000;
const INITRAMFS_CONFIG = join(import.meta.dirname, 'fixtures', 'phony-guest-initramfs.config.json');
const SPINNER = '[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]';

let ova: string;

beforeAll(async () => {
  ova = (await ensureImage('ubuntu-2204')).files.ova!;
}, LONG);

/** Every line the screen ever showed: redraws start at column 1, so split on CR, LF and cursor moves. */
function drawnLines(screen: string): string[] {
  return screen
    .split(/\r|\n|\x1b\[\d*G/)
    .map((line) => line.replace(new RegExp(ESCAPE.source, 'g'), ''))
    .filter((line) => line.trim() !== '');
}

describe('migrate on a terminal', () => {
  let run: TerminalRun;
  let lines: string[];

  beforeAll(async () => {
    const outputDir = await mkdtemp(join(tmpdir(), 'h2k-terminal-'));
    run = await runInTerminal(['migrate', ova, '--output', outputDir, '--config', INITRAMFS_CONFIG], { cwd: repoRoot });
    lines = drawnLines(run.screen);
  }, LONG);

  it('draws with escape codes and gives the cursor back at the end', () => {
    expect(run.screen).toMatch(ESCAPE);
    expect(run.screen).toContain('\x1b[?25l');
    expect(run.screen.lastIndexOf('\x1b[?25h')).toBeGreaterThan(run.screen.lastIndexOf('\x1b[?25l'));
  });

  it('keeps a spinner with the VM and the time so far on the screen while the appliance starts, then one line with its duration', () => {
    const launching = lines.filter((line) => new RegExp(`^${SPINNER} launch {2}\\S+ {2}\\d+ s {2}libguestfs appliance under (TCG|KVM) \\(`).test(line));
    expect(launching.length).toBeGreaterThan(0);
    // The time counts while the launch reports nothing: the library redraws on its own timer.
    const seconds = new Set(launching.map((line) => /\s(\d+) s\s/.exec(line)![1]));
    expect(seconds.size).toBeGreaterThan(1);
    expect(lines).toContainEqual(expect.stringMatching(/^✓ launch {2}\S+ {2}\d+\.\d s {2}libguestfs appliance under (TCG|KVM) \(/));
  });

  it('shows the bulk copy with bytes done of the disk size, MiB/s and an ETA, and what it took', () => {
    expect(lines).toContainEqual(
      expect.stringMatching(/ copy disk 1 {2}\S+ {2}\d+ s {2} *\d+% \[[#.]+\] {2}[\d.]+ (B|KiB|MiB|GiB) \/ [\d.]+ (KiB|MiB|GiB) {2}[\d.]+ MiB\/s {2}ETA \d+/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^✓ copy disk 1 {2}\S+ {2}[\d.]+ (s|min).* at [\d.]+ MiB\/s/));
  });

  it('names the deferred action and the kernel on a live line while it runs, and leaves one line when it fails', () => {
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${SPINNER} fix initramfs\\.rebuild kernel 5\\.15\\.0-91-generic {2}\\S+ {2}\\d+ s {2}rebuilding with initramfs-tools in the appliance`),
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^✗ fix initramfs\.rebuild kernel 5\.15\.0-91-generic {2}\S+ {2}\d+\.\d s/));
    expect(lines).toContainEqual(expect.stringMatching(/^✓ plan {2}\S+ {2}\d+\.\d s$/));
    expect(run.code).toBe(1);
    expect(lines).toContainEqual(expect.stringMatching(/update-initramfs .*failed for kernel 5\.15\.0-91-generic/));
  });
});
