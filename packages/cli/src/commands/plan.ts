/** `hyper2kvm plan <source…>`: the repairs as a reviewable plan; nothing is written. */
import { basename, resolve } from 'node:path';
import { COMMON_HELP, SOURCE_HELP, SOURCE_OPTIONS, parseCommand, sourceOptions, stringOption, type CommandDefinition } from '../args.js';
import { plan } from '../api/plan.js';
import { commandLogger } from '../command-logger.js';
import { closeWhenSettled, progressDisplay } from '../progress.js';
import { printJson, type CommandIO } from '../output.js';

export const planHelp = `Usage: hyper2kvm plan <source…> [options]

Inspects the VM and prints every change the enabled plugins would make:
findings, unified diffs of files, registry edits, deferred actions. Nothing
is written. Exit code 3 when an error finding would block the migration.

Options:
  --virtio-win PATH    virtio-win ISO or folder (Windows guests)
${SOURCE_HELP}

${COMMON_HELP}`;

export const planDefinition: CommandDefinition = {
  name: 'plan',
  summary: 'show every repair as a reviewable plan (dry run)',
  options: { 'virtio-win': { type: 'string', value: 'file' }, ...SOURCE_OPTIONS },
  positionals: 'files',
};

export async function planCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(planDefinition, argv);
  if (values.help) {
    io.stdout.write(planHelp + '\n');
    return 0;
  }
  const display = progressDisplay(io, { json: values.json, quiet: values.quiet, ...(positionals[0] ? { vm: basename(positionals[0]) } : {}) });
  const logger = commandLogger({ ...io, stderr: display.stderr }, values);
  const virtioWin = stringOption(values, 'virtio-win');
  const result = await closeWhenSettled(
    display,
    plan({
      ...sourceOptions(values, positionals, io.cwd),
      ...(virtioWin ? { virtioWin: resolve(io.cwd, virtioWin) } : {}),
      cwd: io.cwd,
      logger,
      onProgress: display.onProgress,
      ...(values.config ? { configFile: values.config } : {}),
    }),
  );
  if (values.json) printJson(io, result.document);
  else io.stdout.write(result.text);
  return result.document.plan.blocked ? 3 : 0;
}
