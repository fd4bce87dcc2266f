/**
 * Every command of `hyper2kvm`: its definition (name, summary, options,
 * arguments) and what runs it. main.ts dispatches from it, `hyper2kvm
 * completion` generates the shell completions from it.
 */
import type { CommandDefinition } from './args.js';
import { batchCommand, batchDefinition } from './commands/batch.js';
import { completionCommand, completionDefinition } from './commands/completion.js';
import { configCommand, configDefinition } from './commands/config.js';
import { doctorCommand, doctorDefinition } from './commands/doctor.js';
import { inspectCommand, inspectDefinition } from './commands/inspect.js';
import { migrateCommand, migrateDefinition } from './commands/migrate.js';
import { planCommand, planDefinition } from './commands/plan.js';
import { pluginsCommand, pluginsDefinition } from './commands/plugins.js';
import { verifyCommand, verifyDefinition } from './commands/verify.js';
import type { CommandIO } from './output.js';

/** A command: its definition and the function that runs it (returns the exit code). */
export interface CommandEntry {
  definition: CommandDefinition;
  run: (argv: string[], io: CommandIO) => Promise<number>;
}

/** The commands in the order the help lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { definition: inspectDefinition, run: inspectCommand },
  { definition: planDefinition, run: planCommand },
  { definition: migrateDefinition, run: migrateCommand },
  { definition: verifyDefinition, run: verifyCommand },
  { definition: batchDefinition, run: batchCommand },
  { definition: pluginsDefinition, run: pluginsCommand },
  { definition: configDefinition, run: configCommand },
  { definition: doctorDefinition, run: doctorCommand },
  {
    definition: completionDefinition,
    run: (argv, io) =>
      completionCommand(
        argv,
        io,
        COMMANDS.map((entry) => entry.definition),
      ),
  },
];
