/** os-release parsing and the distro → family table. */
import type { LinuxFamily } from '../facts.js';

/** Parses `KEY=value` lines with shell-style quoting (os-release, /etc/default/grub, sysconfig). */
export function parseShellAssignments(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!.trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
      if (match[2]!.trim().startsWith('"')) value = value.replace(/\\(["\\$`])/g, '$1');
    }
    values[match[1]!] = value;
  }
  return values;
}

const familyById: Record<string, LinuxFamily> = {
  rhel: 'rhel',
  centos: 'rhel',
  fedora: 'rhel',
  rocky: 'rhel',
  almalinux: 'rhel',
  ol: 'rhel',
  amzn: 'rhel',
  debian: 'debian',
  ubuntu: 'debian',
  sles: 'suse',
  sled: 'suse',
  'opensuse-leap': 'suse',
  'opensuse-tumbleweed': 'suse',
  opensuse: 'suse',
  suse: 'suse',
  arch: 'arch',
  manjaro: 'arch',
  alpine: 'alpine',
};

/** Family from os-release `ID`, falling back to each `ID_LIKE` entry. */
export function familyOf(id: string, idLike: string[] = []): LinuxFamily {
  for (const candidate of [id, ...idLike]) {
    const family = familyById[candidate.toLowerCase()];
    if (family) return family;
  }
  return 'other';
}

/** `9.3` → {9, 3}; `22.04` → {22, 4}; `bookworm/sid` or empty → {0, 0}. */
export function parseVersion(text: string | undefined): { major: number; minor: number } {
  const match = /^(\d+)(?:\.(\d+))?/.exec(text?.trim() ?? '');
  return match ? { major: Number(match[1]), minor: Number(match[2] ?? 0) } : { major: 0, minor: 0 };
}
