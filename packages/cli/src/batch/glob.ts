/**
 * A small glob expander: Node 20 has no `fs.promises.glob` (it arrived in
 * Node 22), and batch patterns need only `*`, `?`, `[…]`, `{a,b}` and `**`.
 * Matches are files, sorted, absolute; dot files match only a dot pattern.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { globToRegExp } from '@hyper2kvm/core';

const MAGIC = /[*?[{]/;

/** `{a,b}` alternatives expanded first (nesting allowed), so segments hold no braces. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open === -1) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let index = open; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '{') depth++;
    else if (char === ',' && depth === 1) commas.push(index);
    else if (char === '}' && --depth === 0) {
      if (commas.length === 0) return expandBraces(pattern.slice(0, open) + '\u0000' + pattern.slice(open + 1)).map((p) => p.replace('\u0000', '{'));
      const bounds = [open, ...commas, index];
      const head = pattern.slice(0, open);
      const tail = pattern.slice(index + 1);
      return bounds.slice(0, -1).flatMap((start, i) => expandBraces(head + pattern.slice(start + 1, bounds[i + 1]) + tail));
    }
  }
  return [pattern]; // an unclosed brace is literal
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function directoryEntries(path: string): Promise<{ name: string; directory: boolean }[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    const out: { name: string; directory: boolean }[] = [];
    for (const entry of entries) {
      // Follow symlinks: export folders are often links to mounted shares.
      const directory =
        entry.isDirectory() ||
        (entry.isSymbolicLink() &&
          (await stat(join(path, entry.name)).then(
            (s) => s.isDirectory(),
            () => false,
          )));
      out.push({ name: entry.name, directory });
    }
    return out;
  } catch {
    return [];
  }
}

async function walk(base: string, segments: string[], found: Set<string>): Promise<void> {
  if (segments.length === 0) {
    if (await isFile(base)) found.add(base);
    return;
  }
  const [segment, ...rest] = segments as [string, ...string[]];
  if (segment === '**') {
    await walk(base, rest, found); // zero folders
    for (const entry of await directoryEntries(base)) {
      if (entry.directory && !entry.name.startsWith('.')) await walk(join(base, entry.name), segments, found);
    }
    return;
  }
  if (!MAGIC.test(segment)) {
    await walk(join(base, segment), rest, found);
    return;
  }
  const matcher = globToRegExp(segment);
  for (const entry of await directoryEntries(base)) {
    if (entry.name.startsWith('.') && !segment.startsWith('.')) continue;
    if (!matcher.test(entry.name)) continue;
    if (rest.length > 0 && !entry.directory) continue;
    await walk(join(base, entry.name), rest, found);
  }
}

/** Files matching `pattern` (relative patterns start from `cwd`), sorted. */
export async function expandGlob(pattern: string, cwd: string): Promise<string[]> {
  const found = new Set<string>();
  for (const alternative of expandBraces(pattern)) {
    const absolute = isAbsolute(alternative) ? alternative : resolve(cwd, alternative);
    const segments = absolute.split(sep).filter((segment) => segment !== '');
    await walk(sep, segments, found);
  }
  return [...found].sort();
}
