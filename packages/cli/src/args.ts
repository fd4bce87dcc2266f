/** Command-line parsing on node:util parseArgs, with usage errors that exit 2. */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { UsageError } from '@hyper2kvm/core';
import { parseLuksKeyOption, type LuksKeySpec } from './api/luks-keys.js';

/** What an option's value (or a command's arguments) is, so shell completion offers the right words. */
export type ValueKind = 'file' | 'dir' | 'text' | readonly string[];

/** One option as parseArgs takes it, plus what its value is for completion. */
export interface OptionDefinition {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** A string option's value: a file, a folder, free text or one of some words (default `text`). */
  value?: ValueKind;
}

/** Option declarations, keyed by long name. */
export type OptionSpec = Record<string, OptionDefinition>;

/**
 * A command as the parser, the help and shell completion all see it: one
 * definition, so completion cannot drift from what the parser accepts.
 */
export interface CommandDefinition {
  name: string;
  summary: string;
  /** The command's own options; {@link COMMON_OPTIONS} come with every command. */
  options: OptionSpec;
  /** What the positional arguments are: none, sources (files and folders), a folder, or words. */
  positionals: 'none' | 'files' | 'dir' | readonly string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpec = {
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', short: 'v', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
  config: { type: 'string', short: 'c', value: 'file' },
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

/** Parses a command's arguments against its definition (and the common options); a bad one is a usage error. */
export function parseCommand(definition: Pick<CommandDefinition, 'name' | 'options'>, argv: string[]): ParsedCommand {
  const command = definition.name;
  const options = Object.fromEntries(
    Object.entries({ ...COMMON_OPTIONS, ...definition.options }).map(([name, { value: _value, ...forParser }]) => [name, forParser]),
  );
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
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

/** A repeatable string option's values (empty when not given). */
export function listOption(values: ParsedCommand['values'], name: string): string[] {
  const value = (values as Record<string, unknown>)[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : typeof value === 'string' ? [value] : [];
}

/** Options of every command that opens a source. */
export const SOURCE_OPTIONS: OptionSpec = {
  'guest-root': { type: 'string', value: 'dir' },
  'no-verify-checksums': { type: 'boolean', default: false },
  'work-dir': { type: 'string', value: 'dir' },
  'luks-key': { type: 'string', multiple: true, value: 'file' },
  'luks-passphrase-file': { type: 'string', multiple: true, value: 'file' },
};

export const SOURCE_HELP = `  --guest-root DIR     the source is a folder holding a guest's root file system
                       (also dir:DIR); it is repaired IN PLACE, never chosen by accident
  --no-verify-checksums  do not check the export's manifest (.mf); the report says so
  --work-dir DIR       scratch folder for overlays and unpacked archives (default: a temporary folder)
  --luks-key [DEV=]FILE  open LUKS volumes (DEV, e.g. /dev/sda2, or all) with the key file FILE
  --luks-passphrase-file [DEV=]FILE  the same with a passphrase read from FILE (trailing newline dropped);
                       keys are taken from files only, never as text, and never logged`;

/** The source-related options of a parsed command, as the API takes them. */
export function sourceOptions(
  values: ParsedCommand['values'],
  positionals: string[],
  cwd: string,
): { sources: string[]; guestRoot?: string; verifyChecksums?: boolean; workDir?: string; luksKeys?: LuksKeySpec[] } {
  const guestRoot = stringOption(values, 'guest-root');
  const workDir = stringOption(values, 'work-dir');
  if (guestRoot !== undefined && positionals.length > 0) throw new UsageError(`--guest-root names the source; do not also give ${positionals.join(', ')}`);
  const luksKeys = [
    ...listOption(values, 'luks-key').map((value) => parseLuksKeyOption(value, 'key', cwd)),
    ...listOption(values, 'luks-passphrase-file').map((value) => parseLuksKeyOption(value, 'passphrase', cwd)),
  ];
  return {
    sources: positionals,
    ...(luksKeys.length > 0 ? { luksKeys } : {}),
    ...(guestRoot !== undefined ? { guestRoot: resolve(cwd, guestRoot) } : {}),
    ...(values['no-verify-checksums'] === true ? { verifyChecksums: false } : {}),
    ...(workDir !== undefined ? { workDir: resolve(cwd, workDir) } : {}),
  };
}
