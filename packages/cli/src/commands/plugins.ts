/** `hyper2kvm plugins`: the plugins this run would use, in order, with versions. */
import { relative } from 'node:path';
import { COMMON_HELP, parseCommand, type CommandDefinition } from '../args.js';
import { printJson, type CommandIO } from '../output.js';
import { setupRun } from '../plugins-setup.js';

export const pluginsHelp = `Usage: hyper2kvm plugins [options]

Lists the plugins enabled by the config (or the built-in preset), in the
order they run, with their versions and where they were loaded from.

${COMMON_HELP}`;

export const pluginsDefinition: CommandDefinition = {
  name: 'plugins',
  summary: 'list the enabled plugins and their versions',
  options: {},
  positionals: 'none',
};

export async function pluginsCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommand(pluginsDefinition, argv);
  if (values.help) {
    io.stdout.write(pluginsHelp + '\n');
    return 0;
  }
  const { plugins, pluginSource, loaded } = await setupRun({ cwd: io.cwd, ...(values.config ? { configFile: values.config } : {}) });
  const rows = plugins.map(({ plugin, resolvedPath, specifier }) => ({
    name: plugin.name,
    version: plugin.version,
    api: plugin.api,
    enforce: plugin.enforce ?? null,
    description: plugin.description ?? '',
    specifier,
    path: resolvedPath,
  }));
  if (values.json) {
    printJson(io, { source: pluginSource === 'preset' ? 'preset' : loaded.displayName, plugins: rows });
    return 0;
  }
  io.stdout.write(`Plugins (${pluginSource === 'preset' ? 'built-in preset' : `from ${loaded.displayName}`}), in run order:\n`);
  const width = Math.max(...rows.map((row) => row.name.length), 4);
  for (const row of rows) {
    io.stdout.write(`  ${row.name.padEnd(width)}  ${row.version.padEnd(8)} ${row.enforce ? `[${row.enforce}] ` : ''}${row.description}\n`);
    if (values.verbose) io.stdout.write(`  ${''.padEnd(width)}  from ${relative(io.cwd, row.path)}\n`);
  }
  return 0;
}
