/**
 * The verifier as a library: what to boot (an output folder, or a source
 * disk as it is) and with which accelerator and time limit.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { execa } from 'execa';
import { detectAccelerator } from '@hyper2kvm/guestfs';
import { bootMachine, type BootOptions, type BootResult } from './boot.js';
import { parseDomainXml, type BootDiskBus, type BootMachine } from './domain.js';

/** Default run limits: a TCG boot is an order of magnitude slower than KVM. */
export const DEFAULT_TIMEOUT_SECONDS = { tcg: 300, kvm: 90 } as const;

export interface VerifyOptions {
  /** Run limit; default 300 s under TCG, 90 s under KVM. */
  timeoutSeconds?: number;
  /** Default: what detectAccelerator decides (HYPER2KVM_ACCEL overrides it). */
  accel?: 'kvm' | 'tcg';
  networkGraceSeconds?: number;
  consoleLog?: string;
  /** Keep booting until the console shows this text (see BootOptions.waitFor). */
  waitFor?: string;
  onConsole?: (chunk: string) => void;
  /** Told which accelerator and limit were chosen. */
  onStart?: (info: { accel: 'kvm' | 'tcg'; reason: string; timeoutSeconds: number }) => void;
  /** Told when a boot is tried again (see {@link isTimerCheckPanic}). */
  onRetry?: (why: string) => void;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The VM name of an output folder: report.json's name, else the one NAME.xml in it. */
export async function outputName(dir: string): Promise<string> {
  try {
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { name?: unknown };
    if (typeof report.name === 'string' && report.name !== '') return report.name;
  } catch {
    // No report: look for the domain itself.
  }
  const domains = (await readdir(dir)).filter((file) => file.endsWith('.xml'));
  if (domains.length !== 1) {
    throw new Error(`${dir}: no report.json, and ${domains.length === 0 ? 'no' : 'more than one'} libvirt domain (*.xml) to boot`);
  }
  return basename(domains[0] as string, '.xml');
}

/**
 * The machine of an output folder, from NAME.xml. A disk path that no longer
 * exists (the folder was moved) is looked for beside the domain.
 */
export async function machineFromOutputDir(dir: string, name?: string): Promise<BootMachine> {
  const folder = resolve(dir);
  const vmName = name ?? (await outputName(folder));
  const domainPath = join(folder, `${vmName}.xml`);
  const machine = parseDomainXml(await readFile(domainPath, 'utf8'));
  const disks = [];
  for (const disk of machine.disks) {
    const beside = join(folder, basename(disk.path));
    if (await exists(disk.path)) disks.push(disk);
    else if (await exists(beside)) disks.push({ ...disk, path: beside });
    else throw new Error(`${domainPath}: disk ${disk.path} not found (nor ${beside})`);
  }
  return { ...machine, disks };
}

/** What to give a source disk booted as it is. */
export interface DiskMachineOptions {
  /** MAC of the NIC; default qemu's 52:54:00:12:34:56 (never the source's VMware MAC). */
  mac?: string;
  bus?: BootDiskBus;
  firmware?: 'bios' | 'uefi';
  memoryMiB?: number;
}

/** A machine around one disk (any format qemu reads), on virtio by default. */
export async function machineFromDisk(path: string, options: DiskMachineOptions = {}): Promise<BootMachine> {
  const absolute = resolve(path);
  const { stdout } = await execa('qemu-img', ['info', '--output=json', absolute], { stdin: 'ignore' });
  const format = (JSON.parse(stdout) as { format?: unknown }).format;
  if (typeof format !== 'string') throw new Error(`${path}: qemu-img cannot tell its format`);
  return {
    name: basename(absolute).replace(/\.[^.]+$/, ''),
    firmware: options.firmware ?? 'bios',
    secureBoot: false,
    machine: 'q35',
    memoryMiB: options.memoryMiB ?? 1024,
    vcpus: 1,
    disks: [{ path: absolute, format, bus: options.bus ?? 'virtio' }],
    nics: [{ model: 'virtio', ...(options.mac ? { mac: options.mac.toLowerCase() } : {}) }],
  };
}

/** Boots a machine with the accelerator this host can use, within the time limit. */
export async function verifyMachine(machine: BootMachine, options: VerifyOptions = {}): Promise<BootResult> {
  const verdict = options.accel ? { accel: options.accel, reason: 'asked for' } : await detectAccelerator();
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS[verdict.accel];
  options.onStart?.({ accel: verdict.accel, reason: verdict.reason, timeoutSeconds });
  const boot: BootOptions = {
    accel: verdict.accel,
    timeoutSeconds,
    ...(options.networkGraceSeconds !== undefined ? { networkGraceSeconds: options.networkGraceSeconds } : {}),
    ...(options.consoleLog ? { consoleLog: options.consoleLog } : {}),
    ...(options.waitFor !== undefined ? { waitFor: options.waitFor } : {}),
    ...(options.onConsole ? { onConsole: options.onConsole } : {}),
  };
  let result = await bootMachine(machine, boot);
  // Under TCG on a loaded host the kernel's early timer check can miss its
  // ticks and panic ("IO-APIC + timer doesn't work"): an artefact of the
  // emulation, not of the guest. Boot again, at most twice.
  for (let retry = 0; retry < 2 && verdict.accel === 'tcg' && isTimerCheckPanic(result); retry++) {
    options.onRetry?.(result.detail ?? '');
    result = await bootMachine(machine, boot);
  }
  return result;
}

/** The early-boot timer check panic that an overloaded TCG host causes. */
export function isTimerCheckPanic(result: BootResult): boolean {
  return !result.booted && /IO-APIC \+ timer/.test(result.detail ?? '');
}
