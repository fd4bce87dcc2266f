/**
 * The `hyper2kvm` command: dispatches to a subcommand and turns errors into
 * one-line messages and exit codes (0 done, 1 failed, 2 usage/config, 3 blocked).
 */
import { summarizeError } from '@hyper2kvm/core';
import { COMMANDS } from './command-table.js';
import type { CommandIO } from './output.js';

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map(({ definition }) => definition.name.length));
  return `Usage: hyper2kvm <command> [options]

Makes VMs exported from VMware, Hyper-V or a cloud boot on KVM/QEMU.

Commands:
${COMMANDS.map(({ definition }) => `  ${definition.name.padEnd(width)}  ${definition.summary}`).join('\n')}

Run \`hyper2kvm <command> --help\` for a command's options.
Exit codes: 0 done, 1 failed, 2 bad usage or config, 3 blocked by an error finding.
`;
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find(({ definition }) => definition.name === name);
  if (!command) {
    io.stderr.write(`hyper2kvm: unknown command ${JSON.stringify(name)} (commands: ${COMMANDS.map(({ definition }) => definition.name).join(', ')})\n`);
    return 2;
  }
  const verbose = rest.includes('--verbose') || rest.includes('-v');
  const json = rest.includes('--json');
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, io, { verbose, json });
  }
}

function reportError(error: unknown, io: CommandIO, flags: { verbose: boolean; json: boolean }): number {
  const { code, message, exitCode, hint } = summarizeError(error);
  // One line per problem; the error's hint, when it has one, ends the last line.
  const lines = message.split('\n');
  if (hint !== undefined) lines[lines.length - 1] += ` Fix: ${hint}`;
  for (const line of lines) io.stderr.write(code === 'UNEXPECTED' ? `hyper2kvm: unexpected error: ${line}\n` : `${line}\n`);
  if (flags.verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  if (flags.json) io.stdout.write(JSON.stringify({ error: { code, message, exitCode, ...(hint !== undefined ? { hint } : {}) } }) + '\n');
  return exitCode;
}
