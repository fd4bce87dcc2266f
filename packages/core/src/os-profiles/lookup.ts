/** Finds the profile of a guest: exact distro and major version first, then the distro alone. */
import type { LinuxFacts } from '../facts.js';
import type { CommandTemplate, OsProfile } from './profile.js';
import { OS_PROFILES } from './profiles.js';

export function profileFor(linux: Pick<LinuxFacts, 'distro' | 'version'>, profiles: OsProfile[] = OS_PROFILES): OsProfile | undefined {
  const distro = linux.distro.toLowerCase();
  const candidates = profiles.filter((profile) => profile.match.distros.includes(distro));
  const exact = candidates.find((profile) => profile.match.major === linux.version.major);
  if (exact) return exact;
  // A newer release than the table knows: the closest older profile of that distro.
  const older = candidates
    .filter((profile) => profile.match.major !== undefined && profile.match.major < linux.version.major)
    .sort((a, b) => (b.match.major ?? 0) - (a.match.major ?? 0));
  return older[0] ?? candidates.find((profile) => profile.match.major === undefined);
}

/** Fills a command template: `{kver}`, `{initramfs}`, `{packages}` (expands to several arguments). */
export function fillCommand(template: CommandTemplate, values: Record<string, string | string[]>): string[] {
  return template.flatMap((part) => {
    const whole = /^\{(\w+)\}$/.exec(part);
    if (whole) {
      const value = values[whole[1]!];
      if (Array.isArray(value)) return value;
      if (value !== undefined) return [value];
    }
    return [
      part.replace(/\{(\w+)\}/g, (all, name: string) => {
        const value = values[name];
        return typeof value === 'string' ? value : all;
      }),
    ];
  });
}
