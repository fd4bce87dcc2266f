/** What every boot-matrix test needs: the CLI as a user runs it, the test images, and the guest's console markers. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');
const cliBin = join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');
/** Generous: an emulated boot plus an emulated initramfs rebuild on a loaded 2-core host. */
export const LONG = 2_400_000;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs `hyper2kvm ARGS` as a separate process, the way a user does. */
export async function hyper2kvm(args: string[]): Promise<CliRun> {
  const started = Date.now();
  const result = await execa('node', [cliBin, ...args], { cwd: repoRoot, reject: false, env: { LIBGUESTFS_BACKEND: 'direct' } });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, seconds: Math.round((Date.now() - started) / 1000) };
}

export interface TestImage {
  dir: string;
  files: Record<string, string>;
  recipe: { expect: Record<string, string> };
}

const builder = fileURLToPath(new URL('../../../test-images/build.mjs', import.meta.url));
const cloudGuest = fileURLToPath(new URL('../../../test-images/lib/cloud-guest.mjs', import.meta.url));

/** Builds (or takes from the cache) a test image. */
export async function ensureImage(name: string): Promise<TestImage> {
  const { ensureImage: build } = (await import(builder)) as { ensureImage(name: string, options: { log(line: string): void }): Promise<TestImage> };
  return build(name, { log: (line) => process.stderr.write(`${line}\n`) });
}

/** `MARKER-key: value` lines of a console log (the test guests' marker unit), as { key: value }; `addr` lines left out. */
export async function consoleMarkers(consoleLog: string, marker: string): Promise<Record<string, string>> {
  const { markerValues } = (await import(cloudGuest)) as { markerValues(text: string, prefix: string): Record<string, string> };
  return markerValues(await readFile(consoleLog, 'utf8'), marker);
}

export async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
