/**
 * Decides whether qemu (and the libguestfs appliance) can use KVM or must
 * fall back to TCG. `/dev/kvm` existing is not enough: on some hosts a KVM
 * vCPU starts but real guests hang or crawl. So a tiny guest actually runs,
 * under a hard time limit, and its result is cached for the current boot.
 */
import { access, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ConfigError } from '@hyper2kvm/core';

/** Accelerator qemu should use. */
export type Accelerator = 'kvm' | 'tcg';

/** Verdict of {@link detectAccelerator}. */
export interface AcceleratorVerdict {
  accel: Accelerator;
  /** One line for people, e.g. `KVM probe timed out after 8 s`. */
  reason: string;
  /** The verdict came from the per-boot cache (no probe ran). */
  cached: boolean;
}

export interface DetectAcceleratorOptions {
  /** Limit for each probe run; default 8000 ms. */
  timeoutMs?: number;
  /** Folder for the per-boot cache; default `$XDG_CACHE_HOME/hyper2kvm` or `~/.cache/hyper2kvm`. */
  cacheDir?: string;
  /** Environment to read `HYPER2KVM_ACCEL` from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** qemu binary; default `qemu-system-x86_64`. */
  qemu?: string;
  /** KVM device; default `/dev/kvm`. */
  kvmDevice?: string;
  /** Probe even when this boot's verdict is cached, and cache the new one (`hyper2kvm doctor` measures). */
  fresh?: boolean;
}

/** Exit status qemu's isa-debug-exit gives for the byte 0x31: (0x31 << 1) | 1. */
const PROBE_SUCCESS_EXIT = 99;

/**
 * A KVM run may cost this much more than the same guest under TCG. A working
 * KVM starts this guest as fast as TCG does (both ~0.1-0.3 s); one that needs
 * seconds for a 170-byte guest will not boot a Linux appliance either.
 */
const KVM_EXTRA_ALLOWANCE_MS = 1500;

/**
 * Boot sector run by the probe (assembled once; the product needs no assembler):
 *
 *     cli; ds = es = ss = 0; sp = 0x7c00
 *     zero 0x1000-0x3fff; PML4[0] -> 0x2000, PDPT[0] -> 0x3000
 *     PD: 32 x 2 MiB pages identity-mapping 0-64 MiB
 *     lgdt (null, 64-bit code); CR4.PAE; CR3 = 0x1000; EFER.LME; CR0.PG|PE
 *     ljmp 0x08:lm
 *   lm (64-bit):
 *     write one qword in every 4 KiB page from 1 MiB to 64 MiB
 *     mov al, 0x31; out 0xf4, al      ; isa-debug-exit: qemu exits with status 99
 *     1: hlt; jmp 1b
 *
 * It takes the vCPU through real, protected and long mode with paging and
 * makes it fault in 63 MiB of guest memory: the steps where broken KVM hosts
 * hang, unlike a bare real-mode `out`.
 */
const PROBE_CODE_HEX =
  'fa31c08ed88ec08ed0bc007cbf00106631c0b9000c66f3abc70600100320c70600200330bf003066b883000000b920006689056605' +
  '0000200083c708e2f20f0116a87c0f20e06683c8200f22e066b8001000000f22d866b9800000c00f32660d000100000f300f20c066' +
  '0d010000800f22c0ea777c080048c7c70000100048893f4881c7001000004881ff0000000472edb031e6f4f4ebfd000000000000' +
  '0000ffff0000009aaf000f00987c0000';

/** The probe's 512-byte boot sector. */
export function probeBootSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from(PROBE_CODE_HEX, 'hex').copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** qemu arguments that boot `imagePath` with the given accelerator. */
export function probeArguments(accel: Accelerator, imagePath: string): string[] {
  return [
    '-machine',
    `accel=${accel}`,
    '-m',
    '128',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-device',
    'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-drive',
    `file=${imagePath},format=raw,if=ide`,
  ];
}

/** Outcome of one probe run. */
export interface ProbeRun {
  /** qemu's exit code, or null when killed. */
  exitCode: number | null;
  timedOut: boolean;
  elapsedMs: number;
  stderr: string;
}

/**
 * Runs the probe guest once under `accel`, killing qemu's process group
 * when it exceeds `timeoutMs`.
 */
export async function runProbe(accel: Accelerator, imagePath: string, options: { timeoutMs: number; qemu?: string }): Promise<ProbeRun> {
  const started = performance.now();
  const child = execa(options.qemu ?? 'qemu-system-x86_64', probeArguments(accel, imagePath), {
    detached: true,
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, options.timeoutMs);
  try {
    const result = await child;
    return {
      exitCode: result.exitCode ?? null,
      timedOut,
      elapsedMs: Math.round(performance.now() - started),
      stderr: String(result.stderr ?? '').trim(),
    };
  } finally {
    clearTimeout(timer);
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

interface CacheEntry {
  bootId: string;
  accel: Accelerator;
  reason: string;
  probedAt: string;
}

/**
 * Finds out whether KVM can run guests here, or TCG must be used.
 *
 * Order: `HYPER2KVM_ACCEL=kvm|tcg` wins; no usable `/dev/kvm` gives `tcg`
 * at once; a verdict cached for this boot is reused; otherwise the probe
 * guest runs under TCG (to check qemu and the probe itself) and then under
 * KVM, each bounded by `timeoutMs` (`fresh` skips the cache, not the override). KVM is chosen only when it runs the
 * guest to the end and not markedly slower than TCG.
 *
 * @throws {ConfigError} when `HYPER2KVM_ACCEL` holds anything but `kvm` or `tcg`.
 */
export async function detectAccelerator(options: DetectAcceleratorOptions = {}): Promise<AcceleratorVerdict> {
  const env = options.env ?? process.env;
  const override = env['HYPER2KVM_ACCEL'];
  if (override !== undefined && override !== '') {
    if (override !== 'kvm' && override !== 'tcg') {
      throw new ConfigError([`HYPER2KVM_ACCEL must be "kvm" or "tcg", not ${JSON.stringify(override)}`]);
    }
    return { accel: override, reason: `HYPER2KVM_ACCEL=${override}`, cached: false };
  }

  const kvmDevice = options.kvmDevice ?? '/dev/kvm';
  try {
    await access(kvmDevice, constants.R_OK | constants.W_OK);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const reason = missing ? `${kvmDevice} does not exist` : `no read-write access to ${kvmDevice}`;
    return { accel: 'tcg', reason, cached: false };
  }

  const cacheFile = join(options.cacheDir ?? defaultCacheDir(env), 'accel.json');
  const bootId = await readBootId();
  if (bootId !== null && options.fresh !== true) {
    const entry = await readCache(cacheFile);
    if (entry !== null && entry.bootId === bootId) return { accel: entry.accel, reason: entry.reason, cached: true };
  }

  const verdict = await probe(options.timeoutMs ?? 8000, options.qemu);
  if (bootId !== null && verdict.cacheable) {
    await writeCache(cacheFile, { bootId, accel: verdict.accel, reason: verdict.reason, probedAt: new Date().toISOString() });
  }
  return { accel: verdict.accel, reason: verdict.reason, cached: false };
}

async function probe(timeoutMs: number, qemu: string | undefined): Promise<{ accel: Accelerator; reason: string; cacheable: boolean }> {
  const dir = await mkdtemp(join(tmpdir(), 'hyper2kvm-accel-'));
  try {
    const image = join(dir, 'probe.img');
    await writeFile(image, probeBootSector());
    const seconds = formatSeconds(timeoutMs);

    const tcg = await runProbe('tcg', image, { timeoutMs, ...(qemu ? { qemu } : {}) });
    if (tcg.exitCode !== PROBE_SUCCESS_EXIT) {
      // qemu itself does not work: nothing to learn about KVM, and not worth caching.
      const what = tcg.timedOut ? `timed out after ${seconds}` : `ended with ${describeExit(tcg)}`;
      return { accel: 'tcg', reason: `KVM not probed: the probe guest ${what} under TCG`, cacheable: false };
    }

    const kvm = await runProbe('kvm', image, { timeoutMs, ...(qemu ? { qemu } : {}) });
    if (kvm.timedOut) return { accel: 'tcg', reason: `KVM probe timed out after ${seconds}`, cacheable: true };
    if (kvm.exitCode !== PROBE_SUCCESS_EXIT) {
      return { accel: 'tcg', reason: `KVM probe failed: ${describeExit(kvm)}`, cacheable: true };
    }
    if (kvm.elapsedMs > tcg.elapsedMs + KVM_EXTRA_ALLOWANCE_MS) {
      return {
        accel: 'tcg',
        reason: `KVM probe took ${formatSeconds(kvm.elapsedMs)} where TCG took ${formatSeconds(tcg.elapsedMs)}: ` + 'KVM is too slow to be usable here',
        cacheable: true,
      };
    }
    return {
      accel: 'kvm',
      reason: `KVM probe ran in ${formatSeconds(kvm.elapsedMs)} (TCG ${formatSeconds(tcg.elapsedMs)})`,
      cacheable: true,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function describeExit(run: ProbeRun): string {
  const firstLine = run.stderr.split('\n').find((line) => line.trim() !== '' && !line.includes('warning:'));
  return `exit code ${run.exitCode ?? 'none'}${firstLine ? ` (${firstLine.trim()})` : ''}`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(2)} s`;
}

function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'hyper2kvm');
}

async function readBootId(): Promise<string | null> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim() || null;
  } catch {
    return null;
  }
}

async function readCache(file: string): Promise<CacheEntry | null> {
  try {
    const entry = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheEntry>;
    if (typeof entry.bootId !== 'string' || typeof entry.reason !== 'string') return null;
    if (entry.accel !== 'kvm' && entry.accel !== 'tcg') return null;
    return entry as CacheEntry;
  } catch {
    return null;
  }
}

/** Best-effort: a read-only cache folder only costs a probe on the next run. */
async function writeCache(file: string, entry: CacheEntry): Promise<void> {
  try {
    await mkdir(join(file, '..'), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(entry, null, 2)}\n`);
    await rename(temporary, file);
  } catch {
    // Ignored on purpose.
  }
}
