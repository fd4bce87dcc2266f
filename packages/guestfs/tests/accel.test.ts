import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@hyper2kvm/core';
import { detectAccelerator, probeBootSector, runProbe } from '../src/index.js';

describe('detectAccelerator', () => {
  let dir: string;
  const noOverride = { HOME: '/nonexistent' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hyper2kvm-accel-test-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the probe guest runs to its exit port under TCG (so the boot sector is right)', async () => {
    const image = join(dir, 'probe.img');
    await writeFile(image, probeBootSector());
    const run = await runProbe('tcg', image, { timeoutMs: 8000 });
    expect(run).toMatchObject({ exitCode: 99, timedOut: false });
  });

  it('chooses TCG on this machine, with a reason, and caches the verdict for this boot', async () => {
    const cacheDir = join(dir, 'cache');
    const first = await detectAccelerator({ cacheDir, env: noOverride });
    expect(first.accel).toBe('tcg');
    expect(first.cached).toBe(false);
    expect(first.reason).toMatch(/KVM|\/dev\/kvm/);
    console.info(`accelerator: ${first.accel} (${first.reason})`);

    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    const cache = JSON.parse(await readFile(join(cacheDir, 'accel.json'), 'utf8')) as Record<string, unknown>;
    expect(cache).toMatchObject({ bootId, accel: 'tcg', reason: first.reason });

    const started = performance.now();
    const second = await detectAccelerator({ cacheDir, env: noOverride });
    expect(second).toEqual({ ...first, cached: true });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('ignores a cache written during another boot', async () => {
    const cacheDir = join(dir, 'stale');
    await mkdir(cacheDir, { recursive: true });
    await writeFile(join(cacheDir, 'accel.json'), JSON.stringify({ bootId: 'another-boot', accel: 'kvm', reason: 'old', probedAt: '2020-01-01' }));
    const verdict = await detectAccelerator({ cacheDir, env: noOverride });
    expect(verdict).toMatchObject({ accel: 'tcg', cached: false });
  });

  it('probes again when asked for a fresh verdict, and caches the new one', async () => {
    const cacheDir = join(dir, 'fresh');
    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    await mkdir(cacheDir, { recursive: true });
    // A verdict of this very boot, which a plain call would take as it is.
    await writeFile(join(cacheDir, 'accel.json'), JSON.stringify({ bootId, accel: 'kvm', reason: 'cached earlier', probedAt: '2020-01-01' }));
    expect(await detectAccelerator({ cacheDir, env: noOverride })).toEqual({ accel: 'kvm', reason: 'cached earlier', cached: true });
    const fresh = await detectAccelerator({ cacheDir, env: noOverride, fresh: true });
    expect(fresh).toMatchObject({ accel: 'tcg', cached: false, reason: expect.stringMatching(/KVM probe/) });
    expect(JSON.parse(await readFile(join(cacheDir, 'accel.json'), 'utf8'))).toMatchObject({ bootId, accel: 'tcg', reason: fresh.reason });
  });

  it('gives TCG at once without a KVM device', async () => {
    const verdict = await detectAccelerator({ kvmDevice: join(dir, 'no-kvm'), cacheDir: join(dir, 'c2'), env: noOverride });
    expect(verdict).toEqual({ accel: 'tcg', reason: `${join(dir, 'no-kvm')} does not exist`, cached: false });
  });

  it('obeys HYPER2KVM_ACCEL without probing', async () => {
    for (const accel of ['kvm', 'tcg'] as const) {
      const verdict = await detectAccelerator({ env: { HYPER2KVM_ACCEL: accel }, kvmDevice: join(dir, 'no-kvm') });
      expect(verdict).toEqual({ accel, reason: `HYPER2KVM_ACCEL=${accel}`, cached: false });
    }
    await expect(detectAccelerator({ env: { HYPER2KVM_ACCEL: 'xen' } })).rejects.toThrow(ConfigError);
    await expect(detectAccelerator({ env: { HYPER2KVM_ACCEL: 'xen' } })).rejects.toThrow('HYPER2KVM_ACCEL must be');
  });
});
