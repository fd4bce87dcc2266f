/** `hyper2kvm verify`: boot a migrated VM (or a disk as it is) headless and say whether it came up. */
import { UsageError, type VerifyResult } from '@hyper2kvm/core';
import { COMMON_HELP, parseCommand, stringOption, type CommandDefinition } from '../args.js';
import { verify } from '../api/verify.js';
import { basename } from 'node:path';
import { printJson, type CommandIO } from '../output.js';
import { closeWhenSettled, progressDisplay } from '../progress.js';

export const verifyHelp = `Usage: hyper2kvm verify DIR [options]
       hyper2kvm verify --disk FILE [--mac MAC] [options]

Boots the VM headless under qemu (KVM when it works here, else TCG) with
the devices of its libvirt domain DIR/NAME.xml (virtio disks, virtio-net on
user-mode networking), each disk behind a throwaway overlay: the disks are
never written. Reads the serial console and decides: booted (multi-user or a
login prompt), network up (with the addresses the guest reported), or
failed (with the last console lines). Exits 0 when the VM booted with its
network up, 1 otherwise.

With --disk it boots one disk as it is, on virtio, to see how a source
behaves before any repair.

Options:
  --timeout S          give up after S seconds (default 300 under TCG, 90 under KVM)
  --disk FILE          boot this disk (VMDK, VHDX, qcow2, raw…) instead of an output folder
  --mac MAC            with --disk: the NIC's MAC (default 52:54:00:12:34:56)
  --bus BUS            with --disk: virtio (default), scsi or sata
  --uefi               with --disk: boot with UEFI firmware (OVMF) instead of BIOS
  --console-log FILE   write the whole serial console to FILE
  --wait-for TEXT      after the verdict, keep the guest running until its console shows
                       TEXT (an application's ready line); exit 1 if it never does
${COMMON_HELP}

--json prints { "booted": …, "network": …, "addresses": [ … ] } (plus
"detail" and the last "console" lines when it did not come up).`;

const BUSES = ['virtio', 'scsi', 'sata'] as const;

export const verifyDefinition: CommandDefinition = {
  name: 'verify',
  summary: 'boot a migrated VM headless and report whether it came up',
  options: {
    timeout: { type: 'string' },
    disk: { type: 'string', value: 'file' },
    mac: { type: 'string' },
    bus: { type: 'string', value: BUSES },
    uefi: { type: 'boolean', default: false },
    'console-log': { type: 'string', value: 'file' },
    'wait-for': { type: 'string' },
  },
  positionals: 'dir',
};

function describe(result: VerifyResult): string {
  const lines = [`booted:   ${result.booted ? 'yes' : 'no'}`, `network:  ${result.network ? `up (${result.addresses.join(', ')})` : 'not up'}`];
  if (result.waitedFor) lines.push(`waited:   ${JSON.stringify(result.waitedFor.text)} ${result.waitedFor.seen ? 'seen' : 'NOT seen'}`);
  if (result.detail) lines.push(`detail:   ${result.detail}`);
  if (result.console?.length) lines.push('console (last lines):', ...result.console.map((line) => `  | ${line}`));
  return lines.join('\n') + '\n';
}

export async function verifyCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(verifyDefinition, argv);
  if (values.help) {
    io.stdout.write(verifyHelp + '\n');
    return 0;
  }
  const disk = stringOption(values, 'disk');
  if (disk === undefined && positionals.length !== 1) throw new UsageError('verify: name one output folder, or --disk FILE (see hyper2kvm verify --help)');
  if (disk !== undefined && positionals.length > 0) throw new UsageError('verify: give an output folder or --disk FILE, not both');
  const timeoutText = stringOption(values, 'timeout');
  const timeoutSeconds = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeoutSeconds !== undefined && !(Number.isInteger(timeoutSeconds) && timeoutSeconds > 0)) {
    throw new UsageError(`verify: --timeout must be a whole number of seconds, got ${JSON.stringify(timeoutText)}`);
  }
  const mac = stringOption(values, 'mac');
  if (mac !== undefined && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac))
    throw new UsageError(`verify: --mac must look like 52:54:00:12:34:56, got ${JSON.stringify(mac)}`);
  const bus = stringOption(values, 'bus');
  if (bus !== undefined && !(BUSES as readonly string[]).includes(bus)) throw new UsageError(`verify: --bus must be one of ${BUSES.join(', ')}`);
  if (disk === undefined && (mac !== undefined || bus !== undefined || values.uefi)) throw new UsageError('verify: --mac, --bus and --uefi go with --disk');
  const consoleLog = stringOption(values, 'console-log');
  const waitFor = stringOption(values, 'wait-for');
  if (waitFor === '') throw new UsageError('verify: --wait-for needs a text to wait for');

  const display = progressDisplay(io, { json: values.json, quiet: values.quiet, vm: basename(disk ?? (positionals[0] as string)) });
  const result = await closeWhenSettled(
    display,
    verify({
      cwd: io.cwd,
      ...(disk !== undefined ? { disk } : { dir: positionals[0] as string }),
      ...(mac ? { mac } : {}),
      ...(bus ? { bus: bus as (typeof BUSES)[number] } : {}),
      ...(values.uefi ? { firmware: 'uefi' as const } : {}),
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(consoleLog ? { consoleLog } : {}),
      ...(waitFor !== undefined ? { waitFor } : {}),
      onStart: ({ accel, reason, timeoutSeconds: limit }) => {
        if (!values.quiet && !values.json) display.stderr.write(`verify: booting under ${accel} (${reason}), at most ${limit} s\n`);
        display.onProgress({ step: 'boot', message: `under ${accel.toUpperCase()}, at most ${limit} s` });
      },
      onRetry: (why) => {
        if (!values.quiet && !values.json) display.stderr.write(`verify: ${why}: an emulated-timer artefact, booting again\n`);
        display.onProgress({ step: 'boot', message: 'booting again' });
      },
    }),
    (verdict) => (verdict.booted ? 'done' : 'failed'),
  );
  if (values.json) printJson(io, result);
  else io.stdout.write(describe(result));
  return result.booted && result.network && (result.waitedFor?.seen ?? true) ? 0 : 1;
}
