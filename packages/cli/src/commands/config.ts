/** `hyper2kvm config`: show the effective config, or print its JSON Schema. */
import { configJsonSchema } from '@hyper2kvm/core';
import { COMMON_HELP, parseCommand, type CommandDefinition } from '../args.js';
import { printJson, type CommandIO } from '../output.js';
import { setupRun } from '../plugins-setup.js';

export const configHelp = `Usage: hyper2kvm config [--schema] [options]

Validates the config file found from the current folder (or --config FILE)
and prints the effective configuration. With --schema, prints the JSON Schema
of the config file for editors.

Options:
  --schema            print the JSON Schema and exit
${COMMON_HELP}`;

export const configDefinition: CommandDefinition = {
  name: 'config',
  summary: 'validate the config, or print its JSON Schema (--schema)',
  options: { schema: { type: 'boolean', default: false } },
  positionals: 'none',
};

export async function configCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommand(configDefinition, argv);
  if (values.help) {
    io.stdout.write(configHelp + '\n');
    return 0;
  }
  if (values.schema) {
    printJson(io, configJsonSchema());
    return 0;
  }
  const { loaded, plugins } = await setupRun({ cwd: io.cwd, ...(values.config ? { configFile: values.config } : {}) });
  const effective = {
    file: loaded.filePath,
    ...loaded.config,
    plugins: plugins.map(({ plugin, options }) => ({ plugin: plugin.name, version: plugin.version, options })),
  };
  if (values.json) printJson(io, effective);
  else io.stdout.write(`Config: ${loaded.displayName} (valid)\n${JSON.stringify(effective, null, 2)}\n`);
  return 0;
}
