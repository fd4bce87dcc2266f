/** Commands whose machinery has not landed yet say so plainly and fail (exit 1). */
import { Hyper2kvmError } from '@hyper2kvm/core';
import { COMMON_HELP, parseCommand } from '../args.js';
import type { CommandIO } from '../output.js';

export function notYetCommand(name: string, usage: string, what: string) {
  const help = `Usage: hyper2kvm ${name} ${usage}\n\n${what}\n\nNot available yet in this version: this command is planned and fails with exit code 1.\n\n${COMMON_HELP}`;
  return async (argv: string[], io: CommandIO): Promise<number> => {
    const { values } = parseCommand(name, argv, {});
    if (values.help) {
      io.stdout.write(help + '\n');
      return 0;
    }
    throw new Hyper2kvmError('NOT_IMPLEMENTED', `hyper2kvm ${name}: not available yet in this version (${what.split('\n')[0]})`);
  };
}
