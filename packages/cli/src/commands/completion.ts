/** `hyper2kvm completion bash|zsh|fish`: the shell completion script, generated from the command table. */
import { UsageError } from '@hyper2kvm/core';
import { COMMON_HELP, parseCommand, type CommandDefinition } from '../args.js';
import { bashCompletion } from '../completion/bash.js';
import { fishCompletion } from '../completion/fish.js';
import { zshCompletion } from '../completion/zsh.js';
import type { CommandIO } from '../output.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

const GENERATORS: Record<(typeof SHELLS)[number], (commands: readonly CommandDefinition[]) => string> = {
  bash: bashCompletion,
  zsh: zshCompletion,
  fish: fishCompletion,
};

export const completionDefinition: CommandDefinition = {
  name: 'completion',
  summary: 'print the shell completion script (bash, zsh or fish)',
  options: {},
  positionals: SHELLS,
};

export const completionHelp = `Usage: hyper2kvm completion bash|zsh|fish

Prints the completion script for the shell: commands, their options, the
words an option takes (--format qcow2|raw) and files or folders where a
command or an option takes them.

  bash:  source <(hyper2kvm completion bash)        # or save it in /etc/bash_completion.d/hyper2kvm
  zsh:   hyper2kvm completion zsh > "\${fpath[1]}/_hyper2kvm"   # then restart zsh (compinit)
  fish:  hyper2kvm completion fish > ~/.config/fish/completions/hyper2kvm.fish

${COMMON_HELP}`;

/** Prints the script for the shell named; `commands` is the table main.ts dispatches from. */
export async function completionCommand(argv: string[], io: CommandIO, commands: readonly CommandDefinition[]): Promise<number> {
  const { values, positionals } = parseCommand(completionDefinition, argv);
  if (values.help) {
    io.stdout.write(completionHelp + '\n');
    return 0;
  }
  const shell = positionals[0];
  if (positionals.length !== 1 || !(SHELLS as readonly string[]).includes(shell!))
    throw new UsageError(`completion: name one shell: ${SHELLS.join(', ')} (see hyper2kvm completion --help)`);
  io.stdout.write(GENERATORS[shell as (typeof SHELLS)[number]](commands));
  return 0;
}
