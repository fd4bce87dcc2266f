/** Reads which packages dpkg considers installed from its status file. */

/** Package states in which files of the package are on disk (`dpkg-query(1)` "Status" field). */
const PRESENT_STATES = new Set(['installed', 'half-installed', 'unpacked', 'half-configured', 'triggers-awaited', 'triggers-pending']);

/**
 * Names of the packages whose files are present according to
 * `/var/lib/dpkg/status` (stanzas separated by blank lines, `Status:
 * <want> <flag> <state>`). Removed packages that only left config files are
 * not counted.
 */
export function installedDpkgPackages(status: string): string[] {
  const names: string[] = [];
  for (const stanza of status.split(/\n\s*\n/)) {
    const name = /^Package:\s*(\S+)/m.exec(stanza)?.[1];
    const state = /^Status:\s*\S+\s+\S+\s+(\S+)/m.exec(stanza)?.[1];
    if (name && state && PRESENT_STATES.has(state)) names.push(name);
  }
  return names;
}
