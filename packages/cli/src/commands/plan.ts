/** `hyper2kvm plan <source…>`: the repairs as a reviewable plan; nothing is written. */
import { COMMON_HELP, SOURCE_HELP, SOURCE_OPTIONS, parseCommand, sourceOptions } from '../args.js';
import { plan } from '../api/plan.js';
import { commandLogger } from '../command-logger.js';
import { progressPrinter } from '../progress.js';
import { printJson, type CommandIO } from '../output.js';

export const planHelp = `Usage: hyper2kvm plan <source…> [options]

Inspects the VM and prints every change the enabled plugins would make:
findings, unified diffs of files, registry edits, deferred actions. Nothing
is written. Exit code 3 when an error finding would block the migration.

Options:
${SOURCE_HELP}

${COMMON_HELP}`;

export async function planCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand('plan', argv, SOURCE_OPTIONS);
  if (values.help) {
    io.stdout.write(planHelp + '\n');
    return 0;
  }
  const logger = commandLogger(io, values);
  const result = await plan({ ...sourceOptions(values, positionals, io.cwd), cwd: io.cwd, logger, onProgress: progressPrinter(io, { json: values.json, quiet: values.quiet }), ...(values.config ? { configFile: values.config } : {}) });
  if (values.json) printJson(io, result.document);
  else io.stdout.write(result.text);
  return result.document.plan.blocked ? 3 : 0;
}
