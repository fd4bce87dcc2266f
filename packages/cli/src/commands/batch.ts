/** `hyper2kvm batch`: many VMs from a batch file, in parallel, resumable. */
import { UsageError } from '@hyper2kvm/core';
import { COMMON_HELP, parseCommand, stringOption, type CommandDefinition } from '../args.js';
import { batch } from '../batch/batch.js';
import { batchProgressPrinter } from '../batch/progress.js';
import type { BatchState } from '../batch/state.js';
import { renderFindings, renderSummary } from '../batch/summary.js';
import { printJson, type CommandIO } from '../output.js';

export const batchHelp = `Usage: hyper2kvm batch --config migrations.yaml [--parallel N] [--resume] [--dry-run] [--json]

Migrates every VM the batch file's patterns match. The batch file (YAML or JSON):

  config: hyper2kvm.config.yaml   # optional; default: searched from the batch file's folder
  parallel: 4                     # optional global cap (--parallel overrides)
  migrations:
    - name: web-servers
      source_pattern: /exports/web-*/*.ova     # or a list; relative to the batch file
      output_dir: /mnt/migrations/web          # each VM goes to <output_dir>/<vm-name>/
      parallel: 3                              # VMs of this group at once (default 1)
    - name: databases
      source_pattern: /exports/db-*.vmdk
      output_dir: /mnt/migrations/db
      concurrent: true                         # run together with the group before
      plugins: [...]                           # replaces the config's plugin list for this group

Order: groups run one after the other; a group with "concurrent: true" runs
together with the group before it. A failed or blocked VM does not stop the
others or the next group. Every VM file match is one VM, named after the file.

State: .hyper2kvm-batch-<file name>.json beside the batch file (or state_file:),
rewritten after every VM. --resume skips VMs whose outputs still match their
recorded sha256 and reruns failed, blocked and interrupted ones; without
--resume an existing state file is an error.

Exit codes: 0 every VM converted, 1 any VM failed, 3 any blocked and none
failed, 2 bad batch file, config or usage.

Options:
  --config, -c FILE   the batch file (required)
  --parallel N        at most N VMs at once over all groups
  --resume            continue an interrupted or partly failed batch
  --dry-run           plan every VM and print the combined findings; writes nothing
${COMMON_HELP.split('\n')
  .filter((line) => !line.includes('--config'))
  .join('\n')}`;

/** Exit codes of a batch stopped by a signal (128 + signal number). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export const batchDefinition: CommandDefinition = {
  name: 'batch',
  summary: 'migrate many VMs from a batch file',
  options: {
    parallel: { type: 'string' },
    resume: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
  },
  positionals: 'none',
};

export async function batchCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(batchDefinition, argv);
  if (values.help) {
    io.stdout.write(batchHelp + '\n');
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`batch: unexpected argument ${JSON.stringify(positionals[0])}; VMs come from the batch file (see hyper2kvm batch --help)`);
  const file = values.config;
  if (!file) throw new UsageError('batch: --config migrations.yaml is required (see hyper2kvm batch --help)');
  const parallelText = stringOption(values, 'parallel');
  const parallel = parallelText === undefined ? undefined : Number(parallelText);
  if (parallel !== undefined && !(Number.isInteger(parallel) && parallel >= 1))
    throw new UsageError(`batch: --parallel must be a whole number of at least 1, got ${JSON.stringify(parallelText)}`);

  // On SIGINT/SIGTERM, VMs in flight are recorded as interrupted and the process ends at once:
  // a half-migrated VM never leaves final outputs, and --resume reruns it.
  let state: BatchState | undefined;
  const display = batchProgressPrinter(io, { json: values.json, quiet: values.quiet });
  const onSignal = (signal: NodeJS.Signals): void => {
    display.close();
    try {
      state?.saveInterruptedSync();
    } finally {
      io.stderr.write(`\nbatch: ${signal}: stopped; VMs in flight are marked interrupted — rerun with --resume\n`);
      process.exit(SIGNAL_EXIT[signal] ?? 1);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const dryRun = values['dry-run'] === true;
    const result = await batch({
      file,
      cwd: io.cwd,
      resume: values.resume === true,
      dryRun,
      verbose: values.verbose,
      onEvent: display.onEvent,
      onState: (batchState) => {
        state = batchState;
      },
      ...(parallel !== undefined ? { parallel } : {}),
    });
    display.close();
    if (values.json) printJson(io, result);
    else {
      io.stdout.write(renderSummary(result));
      if (dryRun) io.stdout.write(renderFindings(result));
    }
    return result.exitCode;
  } finally {
    display.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
