/**
 * Declaring extra initramfs modules in each tool's own config file. Pure
 * text functions: they keep every other line, comment and spacing.
 */
import type { InitramfsProfile } from '@hyper2kvm/core';

/** The feature of Alpine's mkinitfs that pulls in every virtio driver. */
export const MKINITFS_VIRTIO_FEATURE = 'virtio';

/** The dracut drop-in hyper2kvm owns, written whole. */
export function dracutDropIn(modules: string[]): string {
  return `# Written by hyper2kvm: virtio drivers so the guest finds its disks on KVM.\nadd_drivers+=" ${modules.join(' ')} "\n`;
}

/** Names declared by a one-module-per-line file (initramfs-tools' `modules`), options ignored. */
function declaredLines(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split(/\s+/)[0]!.replace(/-/g, '_')),
  );
}

/** Appends the modules the line list lacks; `null` content means the file is new. */
export function appendModuleLines(text: string | null, modules: string[]): string {
  const current = text ?? '';
  const declared = declaredLines(current);
  const missing = modules.filter((module) => !declared.has(module));
  if (missing.length === 0) return current;
  const base = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  return `${base}# Added by hyper2kvm: virtio drivers for KVM.\n${missing.join('\n')}\n`;
}

/** The last active assignment of `variable`: its line, quoting (`"`, `'`, `(` or none), words and what follows. */
function findAssignment(lines: string[], variable: string): { index: number; prefix: string; open: string; words: string[]; rest: string } | null {
  const pattern = new RegExp(`^(\\s*(?:export\\s+)?${variable}=)(?:"([^"]*)"|'([^']*)'|\\(([^)]*)\\)|([^\\s#]*))(.*)$`);
  for (let index = lines.length - 1; index >= 0; index--) {
    const match = pattern.exec(lines[index]!);
    if (!match) continue;
    const open = match[2] !== undefined ? '"' : match[3] !== undefined ? "'" : match[4] !== undefined ? '(' : '';
    const value = match[2] ?? match[3] ?? match[4] ?? match[5] ?? '';
    return { index, prefix: match[1]!, open, words: value.split(/\s+/).filter(Boolean), rest: match[6] ?? '' };
  }
  return null;
}

const CLOSING: Record<string, string> = { '"': '"', "'": "'", '(': ')' };

/**
 * Adds words to a shell variable in place (`INITRD_MODULES="…"`,
 * `MODULES=(…)`, `features="…"`), keeping its quoting and the words already
 * there. When the variable is not set, a new assignment is appended in the
 * given syntax.
 */
export function addWordsToVariable(text: string | null, variable: string, words: string[], syntax: 'shell-string' | 'bash-array' | 'features'): string {
  const current = text ?? '';
  const lines = current.split('\n');
  const found = findAssignment(lines, variable);
  if (found === null) {
    const base = current === '' || current.endsWith('\n') ? current : `${current}\n`;
    const value = syntax === 'bash-array' ? `(${words.join(' ')})` : `"${words.join(' ')}"`;
    return `${base}# Added by hyper2kvm: virtio drivers for KVM.\n${variable}=${value}\n`;
  }
  const missing = words.filter((word) => !found.words.includes(word));
  if (missing.length === 0) return current;
  // An unquoted list gains quotes, or the shell would read only its first word.
  const opening = found.open === '' ? (syntax === 'bash-array' ? '(' : '"') : found.open;
  lines[found.index] = `${found.prefix}${opening}${[...found.words, ...missing].join(' ')}${CLOSING[opening]}${found.rest}`;
  return lines.join('\n');
}

/** What the tool's config must declare: the module names, or Alpine's virtio feature. */
export function wordsFor(config: InitramfsProfile['modulesConfig'], modules: string[]): string[] {
  return config.kind === 'variable' && config.syntax === 'features' ? [MKINITFS_VIRTIO_FEATURE] : modules;
}

/** The new content of the tool's config file, from its current content (`null`: absent). */
export function declareModules(config: InitramfsProfile['modulesConfig'], current: string | null, modules: string[]): string {
  switch (config.kind) {
    case 'dropin':
      return dracutDropIn(modules);
    case 'lines':
      return appendModuleLines(current, modules);
    case 'variable':
      return addWordsToVariable(current, config.variable, wordsFor(config, modules), config.syntax);
  }
}
