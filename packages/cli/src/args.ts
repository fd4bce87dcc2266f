/** Command-line parsing on node:util parseArgs, with usage errors that exit 2. */
import { parseArgs } from 'node:util';
import { UsageError } from '@hyper2kvm/core';

/** Option declarations as parseArgs takes them. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean }>;

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpec = {
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', short: 'v', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h', default: false },
};

export const COMMON_HELP = `Common options:
  --config, -c FILE   use this config file instead of searching for one
  --json              machine-readable output on stdout
  --verbose, -v       debug logging, stack traces on errors
  --quiet, -q         errors only
  --help, -h          this help`;

export interface ParsedCommand {
  values: {
    json: boolean;
    verbose: boolean;
    quiet: boolean;
    help: boolean;
    config?: string;
    [name: string]: string | boolean | undefined;
  };
  positionals: string[];
}

export function parseCommand(command: string, argv: string[], options: OptionSpec): ParsedCommand {
  try {
    const parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return parsed as unknown as ParsedCommand;
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message.split('\n')[0]} (see hyper2kvm ${command} --help)`);
  }
}

/** A string option's value, or undefined. */
export function stringOption(values: ParsedCommand['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
