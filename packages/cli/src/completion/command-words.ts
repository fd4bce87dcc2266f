/**
 * The command table as completion sees it: for each command, every option
 * (its own and the common ones) with its spellings and what its value is.
 * Shared by the bash, zsh and fish generators.
 */
import { COMMON_OPTIONS, type CommandDefinition, type ValueKind } from '../args.js';

/** One option of one command, ready for a completion script. */
export interface CompletionOption {
  long: string;
  short?: string;
  /** `undefined` for a flag; what follows it otherwise. */
  value?: ValueKind;
  multiple: boolean;
}

/** A command's options, common ones included, long names sorted. */
export function completionOptions(definition: CommandDefinition): CompletionOption[] {
  return Object.entries({ ...COMMON_OPTIONS, ...definition.options })
    .map(([long, option]) => ({
      long,
      ...(option.short !== undefined ? { short: option.short } : {}),
      ...(option.type === 'string' ? { value: option.value ?? 'text' } : {}),
      multiple: option.multiple === true,
    }))
    .sort((a, b) => a.long.localeCompare(b.long));
}

/** Words safe to put into any of the three shells unquoted (command names, option names, choices). */
export function assertPlainWord(word: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(word)) throw new Error(`completion: ${JSON.stringify(word)} is not a plain word`);
  return word;
}

/** A summary inside single quotes, for zsh and fish. */
export function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
