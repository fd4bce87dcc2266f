/** Text for people shared by every package: sizes, durations, file names. */
import { isAbsolute, relative, sep } from 'node:path';

/** A byte count as people read it: `512 B`, `1.5 MiB`, `12.3 GiB` (binary units). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/**
 * A file name as messages show it: relative to `cwd` when the file is below
 * it (`hyper2kvm.config.json`), the absolute path otherwise.
 */
export function displayPath(path: string, cwd: string = process.cwd()): string {
  const shown = relative(cwd, path);
  return shown === '' || shown === '..' || shown.startsWith(`..${sep}`) || isAbsolute(shown) ? path : shown;
}
