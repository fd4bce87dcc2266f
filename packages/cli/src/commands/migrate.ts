/** `hyper2kvm migrate`: repair, convert and emit a VM for KVM. */
import { basename, join, resolve } from 'node:path';
import { UsageError, parseNetworkMapArguments, renderPlan } from '@hyper2kvm/core';
import { COMMON_HELP, SOURCE_HELP, SOURCE_OPTIONS, parseCommand, sourceOptions, stringOption, type CommandDefinition } from '../args.js';
import { migrate } from '../api/migrate.js';
import { commandLogger } from '../command-logger.js';
import { printJson, type CommandIO } from '../output.js';
import { closeWhenSettled, progressDisplay } from '../progress.js';

export const migrateHelp = `Usage: hyper2kvm migrate <source…> --output DIR [options]

Opens the VM read-only, plans and applies the repairs to an overlay (the
source is never written), converts the disks and writes into DIR:
  NAME.xml             libvirt domain
  NAME-diskN.FORMAT    converted disks
  report.json          what was found and done, for machines
  report.md            the same for people
  backup/              originals of every changed file
  hyper2kvm.log        the run's log (JSON lines)

Options:
  --output, -o DIR     output folder (created if missing)
  --name NAME          VM name (default: from the OVF/VMX, else the first disk's name)
  --format FORMAT      qcow2 (default) or raw
  --compress           zstd-compressed qcow2
  --checksum           SHA-256 of each converted disk in the report (one more read of the output)
  --virtio-win PATH    virtio-win ISO or folder (Windows guests)
  --network-map MAP    where source networks attach: "VM Network=bridge:br0",
                       "Backup=network:backup", "*=default" (repeatable; a bare
                       name is a libvirt network); over the config's networks
${SOURCE_HELP}
  --dry-run            stop after planning and print the plan
  --verify             boot the result headless and report whether it came up

${COMMON_HELP}`;

export const migrateDefinition: CommandDefinition = {
  name: 'migrate',
  summary: 'repair, convert and emit a VM for KVM',
  options: {
    output: { type: 'string', short: 'o', value: 'dir' },
    name: { type: 'string' },
    format: { type: 'string', value: ['qcow2', 'raw'] },
    compress: { type: 'boolean', default: false },
    checksum: { type: 'boolean' },
    'virtio-win': { type: 'string', value: 'file' },
    'network-map': { type: 'string', multiple: true },
    ...SOURCE_OPTIONS,
    'dry-run': { type: 'boolean', default: false },
    verify: { type: 'boolean', default: false },
  },
  positionals: 'files',
};

export async function migrateCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(migrateDefinition, argv);
  if (values.help) {
    io.stdout.write(migrateHelp + '\n');
    return 0;
  }
  const output = stringOption(values, 'output');
  const dryRun = values['dry-run'] === true;
  if (!output && !dryRun) throw new UsageError('migrate: --output DIR is required (see hyper2kvm migrate --help)');
  const format = stringOption(values, 'format');
  if (format !== undefined && format !== 'qcow2' && format !== 'raw')
    throw new UsageError(`migrate: --format must be qcow2 or raw, got ${JSON.stringify(format)}`);
  const virtioWin = stringOption(values, 'virtio-win');
  const outputDir = resolve(io.cwd, output ?? '.');
  const display = progressDisplay(io, { json: values.json, quiet: values.quiet, ...(positionals[0] ? { vm: basename(positionals[0]) } : {}) });
  const logger = commandLogger({ ...io, stderr: display.stderr }, values, dryRun ? undefined : join(outputDir, 'hyper2kvm.log'));
  const name = stringOption(values, 'name');
  let planText = '';
  const report = await closeWhenSettled(
    display,
    migrate({
      onPlan: (plan) => {
        planText = renderPlan(plan);
      },
      ...sourceOptions(values, positionals, io.cwd),
      cwd: io.cwd,
      outputDir,
      networkMap: parseNetworkMapArguments(networkMapValues(values['network-map'])),
      ...(virtioWin ? { virtioWin: resolve(io.cwd, virtioWin) } : {}),
      logger,
      dryRun,
      verify: values.verify === true,
      compress: values.compress === true,
      ...(values.checksum === true ? { checksum: true } : {}),
      ...(format ? { format } : {}),
      ...(name ? { name } : {}),
      ...(values.config ? { configFile: values.config } : {}),
      onProgress: display.onProgress,
    }),
  );
  if (dryRun) {
    if (values.json) printJson(io, { facts: report.facts, plugins: report.plugins, plan: report.plan });
    else if (planText) io.stdout.write(planText);
    return report.plan?.blocked ? 3 : 0;
  }
  if (values.json) printJson(io, report);
  else {
    io.stdout.write(`\n${report.name}: ${report.status}\n`);
    for (const disk of report.outputs) io.stdout.write(`  disk ${disk.index + 1}: ${disk.path}\n`);
    for (const file of report.emitted) io.stdout.write(`  ${file.description}: ${file.path}\n`);
    io.stdout.write(`  report: ${join(outputDir, 'report.md')}\n`);
    const verified = report.verify;
    if (verified) {
      const network = verified.network ? `network up (${verified.addresses.join(', ')})` : 'network not up';
      io.stdout.write(`  verify: ${verified.booted ? 'booted' : 'did not boot'}, ${network}${verified.detail ? `: ${verified.detail}` : ''}\n`);
    }
  }
  // A verify that was asked for and did not see the VM come up fails the run.
  return report.verify && !(report.verify.booted && report.verify.network) ? 1 : 0;
}

function networkMapValues(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : typeof value === 'string' ? [value] : [];
}
