/** `hyper2kvm doctor`: can this host run migrations, and what to fix. */
import { COMMON_HELP, parseCommand, stringOption, type CommandDefinition } from '../args.js';
import { renderDoctor } from '../doctor/render-doctor.js';
import { runDoctor } from '../doctor/run-doctor.js';
import { printJson, type CommandIO } from '../output.js';
import { progressDisplay } from '../progress.js';

export const doctorDefinition: CommandDefinition = {
  name: 'doctor',
  summary: 'check that this host can run migrations, and say what to fix',
  options: {
    'work-dir': { type: 'string', value: 'dir' },
    output: { type: 'string', short: 'o', value: 'dir' },
    'virtio-win': { type: 'string', value: 'file' },
  },
  positionals: 'none',
};

export const doctorHelp = `Usage: hyper2kvm doctor [options]

Checks the host, one line each with what to do when it is not right:
  KVM            usable, or TCG (emulation) and why: the KVM probe is run now
  appliance      the libguestfs appliance starts (and how long it takes)
  qemu-img       installed, and its version
  libhivex       loads and opens a hive (Windows guests)
  virtio-win     the ISO or folder a run would use, and its version (Windows guests)
  OVMF           UEFI firmware for UEFI guests' verify boots
  work folder    free space where the scratch files go
  output folder  free space where the converted disks go
  libvirt        reachable, to define the VMs here

Exit code 0 when a migration can run here (warnings allowed), 1 when a
check failed.

Options:
  --work-dir DIR       the scratch folder's parent to check (default: the system's temporary folder)
  --output, -o DIR     the output folder to check (default: the current folder)
  --virtio-win PATH    the virtio-win ISO or folder to check (default: the config's, $VIRTIO_WIN, or
                       /usr/share/virtio-win/virtio-win.iso)
${COMMON_HELP}

--json prints { "ready": …, "checks": [ { "id", "title", "status", "detail", "fix", "ms" } ] }.`;

export async function doctorCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommand(doctorDefinition, argv);
  if (values.help) {
    io.stdout.write(doctorHelp + '\n');
    return 0;
  }
  const display = progressDisplay(io, { json: values.json, quiet: values.quiet, vm: 'this host' });
  const workDir = stringOption(values, 'work-dir');
  const outputDir = stringOption(values, 'output');
  const virtioWin = stringOption(values, 'virtio-win');
  const report = await runDoctor({
    cwd: io.cwd,
    ...(values.config ? { configFile: values.config } : {}),
    ...(workDir !== undefined ? { workDir } : {}),
    ...(outputDir !== undefined ? { outputDir } : {}),
    ...(virtioWin !== undefined ? { virtioWin } : {}),
    onProgress: display.onProgress,
  }).finally(() => display.close());
  if (values.json) printJson(io, report);
  else io.stdout.write(renderDoctor(report));
  return report.ready ? 0 : 1;
}
