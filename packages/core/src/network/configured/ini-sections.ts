/** The INI dialect of NetworkManager keyfiles and systemd units: `[Section]` then `Key=value`, `#`/`;` comments. */

/** One `Key=value` in the section it was found in; repeated keys stay repeated (systemd `Address=` lines). */
export interface IniEntry {
  section: string;
  /** Which occurrence of a section header this line is under (systemd allows several `[Route]`). */
  block: number;
  key: string;
  value: string;
}

export function iniEntries(text: string): IniEntry[] {
  const entries: IniEntry[] = [];
  let section = '';
  let block = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      block += 1;
      continue;
    }
    const equals = line.indexOf('=');
    if (equals > 0) entries.push({ section, block, key: line.slice(0, equals).trim(), value: line.slice(equals + 1).trim() });
  }
  return entries;
}

/** The values of a key in a section, in file order. */
export function iniValues(entries: IniEntry[], section: string | string[], key: string): string[] {
  const sections = Array.isArray(section) ? section : [section];
  return entries.filter((entry) => sections.includes(entry.section) && entry.key === key).map((entry) => entry.value);
}

/** The last value of a key in a section (later lines win), or `undefined`. */
export function iniValue(entries: IniEntry[], section: string | string[], key: string): string | undefined {
  return iniValues(entries, section, key).at(-1);
}
