/**
 * Boots a machine headless under qemu on throwaway overlays, watches its
 * serial console and stops qemu as soon as the verdict is known.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { execa } from 'execa';
import { cleanConsole, consoleTail, judgeConsole, type ConsoleVerdict } from './console-verdict.js';
import type { BootMachine } from './domain.js';
import { qemuArguments } from './qemu-args.js';

/** The outcome of a verify boot (the shape of the core's VerifyResult). */
export interface BootResult {
  booted: boolean;
  network: boolean;
  addresses: string[];
  console?: string[];
  detail?: string;
  waitedFor?: { text: string; seen: boolean };
}

export interface BootOptions {
  accel: 'kvm' | 'tcg';
  /** Whole run limit in seconds. */
  timeoutSeconds: number;
  /**
   * After the guest is up, how long its console may stay silent before the
   * verifier stops waiting for a network report (the test guests' wait-online
   * gives up after 20 s, then their marker prints). Default 60 s.
   */
  networkGraceSeconds?: number;
  /** Write the whole console here (for people, and for test fixtures). */
  consoleLog?: string;
  /**
   * Keep the guest running after the verdict until its console shows this
   * text (an application's "ready" line, a test guest's last marker), within
   * the time limit; the result says whether it was seen. While it is
   * awaited, the network grace does not end the boot early.
   */
  waitFor?: string;
  /** Called with each chunk of console text as it arrives. */
  onConsole?: (chunk: string) => void;
  qemu?: string;
  /** UEFI firmware; default Debian's `ovmf` package files. */
  ovmf?: { code: string; vars: string; secureCode: string; secureVars: string };
}

/** OVMF as Debian's `ovmf` package installs it. */
export const DEBIAN_OVMF = {
  code: '/usr/share/OVMF/OVMF_CODE.fd',
  vars: '/usr/share/OVMF/OVMF_VARS.fd',
  secureCode: '/usr/share/OVMF/OVMF_CODE.secboot.fd',
  secureVars: '/usr/share/OVMF/OVMF_VARS.ms.fd',
};

/** Seconds to wait for the rest of a failure's explanation before stopping. */
const FAILURE_GRACE_SECONDS = 4;
/** Keep at most this much console text in memory (the verdict needs the recent part and the markers). */
const MAX_CONSOLE_CHARS = 4 * 1024 * 1024;

/** A qcow2 overlay over `backing`; qemu writes there, the backing file is only read. */
async function createOverlay(backing: string, format: string, overlay: string): Promise<void> {
  await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', format, '-b', backing, overlay], { stdin: 'ignore' });
}

function finalResult(verdict: ConsoleVerdict, consoleText: string, detailOverride?: string): BootResult {
  const detail = detailOverride ?? verdict.detail;
  const failed = !verdict.booted || !verdict.network;
  return {
    booted: verdict.booted,
    network: verdict.network,
    addresses: verdict.addresses,
    ...(failed ? { console: consoleTail(consoleText, 20) } : {}),
    ...(detail ? { detail } : {}),
  };
}

/**
 * Boots `machine` (its disks through throwaway overlays in a temporary
 * folder, removed afterwards) and returns what the console showed.
 * The machine's disk files are opened read-only as overlay backing files.
 */
export async function bootMachine(machine: BootMachine, options: BootOptions): Promise<BootResult> {
  if (machine.disks.length === 0) throw new Error(`${machine.name}: the machine has no disk to boot`);
  const work = await mkdtemp(join(tmpdir(), 'hyper2kvm-verify-'));
  try {
    const overlays: string[] = [];
    for (const [index, disk] of machine.disks.entries()) {
      const overlay = join(work, `disk${index}.qcow2`);
      await createOverlay(isAbsolute(disk.path) ? disk.path : resolve(disk.path), disk.format, overlay);
      overlays.push(overlay);
    }
    let uefi: { code: string; vars: string } | undefined;
    if (machine.firmware === 'uefi') {
      const ovmf = options.ovmf ?? DEBIAN_OVMF;
      const vars = join(work, 'OVMF_VARS.fd');
      await copyFile(machine.secureBoot ? ovmf.secureVars : ovmf.vars, vars);
      uefi = { code: machine.secureBoot ? ovmf.secureCode : ovmf.code, vars };
    }
    const args = qemuArguments(machine, { accel: options.accel, overlays, ...(uefi ? { uefi } : {}) });
    return await watchBoot(options.qemu ?? 'qemu-system-x86_64', args, options);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Runs qemu and decides from its serial output; qemu is always stopped before returning. */
async function watchBoot(qemu: string, args: string[], options: BootOptions): Promise<BootResult> {
  const child = execa(qemu, args, { stdin: 'ignore', reject: false, buffer: { stdout: false, stderr: true }, forceKillAfterDelay: 3000 });
  let consoleText = '';
  let verdict: ConsoleVerdict = { state: 'running', booted: false, network: false, addresses: [], networkKnown: false };
  const networkGraceMs = (options.networkGraceSeconds ?? 60) * 1000;
  const waitFor = options.waitFor;
  const seen = (): boolean => waitFor === undefined || cleanConsole(consoleText).includes(waitFor);
  const withWait = (result: BootResult): BootResult => {
    if (waitFor === undefined) return result;
    const found = seen();
    return {
      ...result,
      waitedFor: { text: waitFor, seen: found },
      ...(found || result.detail ? {} : { detail: `the console never showed ${JSON.stringify(waitFor)} within ${options.timeoutSeconds} s` }),
      ...(found || result.console ? {} : { console: consoleTail(consoleText, 20) }),
    };
  };

  const outcome = await new Promise<BootResult>((settle) => {
    let done = false;
    let failureTimer: NodeJS.Timeout | undefined;
    let networkTimer: NodeJS.Timeout | undefined;
    const finish = (result: BootResult): void => {
      if (done) return;
      done = true;
      clearTimeout(overallTimer);
      clearTimeout(failureTimer);
      clearTimeout(networkTimer);
      settle(withWait(result));
    };
    const overallTimer = setTimeout(() => {
      // Up with its network, only an awaited text missing: withWait says so.
      if (verdict.booted && verdict.networkKnown) return finish(finalResult(verdict, consoleText));
      const what = verdict.booted
        ? `the guest came up but reported no network within ${options.timeoutSeconds} s`
        : `no boot verdict within ${options.timeoutSeconds} s (timed out)`;
      finish(finalResult({ ...verdict, state: verdict.booted ? 'booted' : 'failed' }, consoleText, verdict.detail ?? what));
    }, options.timeoutSeconds * 1000);

    const judge = (): void => {
      verdict = judgeConsole(consoleText);
      if (verdict.state === 'failed') {
        if (!verdict.moreToCome) finish(finalResult(verdict, consoleText));
        else failureTimer ??= setTimeout(() => finish(finalResult(judgeConsole(consoleText), consoleText)), FAILURE_GRACE_SECONDS * 1000);
      } else if (verdict.state === 'booted') {
        if (verdict.networkKnown && seen()) finish(finalResult(verdict, consoleText));
        else if (verdict.networkKnown || !seen())
          // Known, and only the awaited text is missing; or the text is still
          // awaited, which keeps the boot going (to the overall timeout) even
          // when the guest is slow to say anything about its network.
          clearTimeout(networkTimer);
        else {
          // Count the grace from the last console output: a loaded host can
          // show the login prompt long before networkd is even started.
          clearTimeout(networkTimer);
          networkTimer = setTimeout(() => {
            const last = judgeConsole(consoleText);
            const detail = last.network
              ? last.detail
              : `the guest came up but its console said nothing about its network for ${options.networkGraceSeconds ?? 60} s`;
            finish(finalResult(last, consoleText, detail));
          }, networkGraceMs);
        }
      }
    };

    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      options.onConsole?.(chunk);
      consoleText += chunk;
      if (consoleText.length > MAX_CONSOLE_CHARS) consoleText = consoleText.slice(-MAX_CONSOLE_CHARS / 2);
      judge();
    });
    void child.then((ended) => {
      // qemu ended on its own: the guest rebooted or powered off (-no-reboot), or qemu failed.
      verdict = judgeConsole(consoleText);
      if (verdict.state === 'booted' && verdict.networkKnown) return finish(finalResult(verdict, consoleText));
      const stderr = String(ended.stderr ?? '')
        .trim()
        .split('\n')
        .slice(-3)
        .join(' ');
      const why = ended.exitCode === 0 ? 'qemu ended: the guest rebooted or powered off' : `qemu failed (exit ${ended.exitCode ?? ended.signal}): ${stderr}`;
      finish(finalResult({ ...verdict, state: 'failed' }, consoleText, verdict.detail ?? why));
    });
  });

  child.kill('SIGTERM');
  await child;
  if (options.consoleLog) await writeFile(options.consoleLog, consoleText);
  return outcome;
}
