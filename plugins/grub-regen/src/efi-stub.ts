/**
 * The ESP `grub.cfg` of RHEL 9+/Fedora 34+ is a stub: it finds the file
 * system holding /boot by UUID and loads the real grub.cfg from it. It is
 * never regenerated, so it must already name the right file system.
 */
import { parseFstab, type GuestFilesystem } from '@hyper2kvm/core';

/** True when an ESP grub.cfg only chains to another config (no menu of its own). */
export function isStub(config: string): boolean {
  return /^\s*configfile\s/m.test(config) && !/^\s*(menuentry|blscfg|linux(efi|16)?)\b/m.test(config);
}

/** The UUID a stub searches for (`search --fs-uuid --set=dev <uuid>`), or `null`. */
export function stubUuid(config: string): string | null {
  for (const line of config.split('\n')) {
    if (!/^\s*search\b/.test(line) || !/--fs-uuid|-u\b/.test(line)) continue;
    const words = line.trim().split(/\s+/);
    const last = words.at(-1);
    if (last && !last.startsWith('-')) return last.replace(/^["']|["']$/g, '');
  }
  return null;
}

/**
 * UUID of the file system holding /boot/grub2: the one mounted at /boot,
 * else the root. `null` when fstab does not let us tell.
 */
export function bootFilesystemUuid(fstab: string, filesystems: GuestFilesystem[]): string | null {
  const entries = parseFstab(fstab);
  const entry = entries.find((candidate) => candidate.mountpoint === '/boot') ?? entries.find((candidate) => candidate.mountpoint === '/');
  if (!entry) return null;
  const [kind, value] = entry.spec.includes('=')
    ? [entry.spec.slice(0, entry.spec.indexOf('=')).toUpperCase(), entry.spec.slice(entry.spec.indexOf('=') + 1).replace(/^["']|["']$/g, '')]
    : ['DEVICE', entry.spec];
  if (kind === 'UUID') return value.toLowerCase();
  const match = filesystems.find((filesystem) => {
    switch (kind) {
      case 'LABEL':
        return filesystem.label === value;
      case 'PARTUUID':
        return filesystem.partuuid?.toLowerCase() === value.toLowerCase();
      default:
        return filesystem.device === value || filesystem.device === mapperToLvm(value);
    }
  });
  return match?.uuid?.toLowerCase() ?? null;
}

/** `/dev/mapper/rhel-root` as libguestfs names it: `/dev/rhel/root` (a doubled dash is a dash in the name). */
function mapperToLvm(device: string): string | null {
  const match = /^\/dev\/mapper\/(.+)$/.exec(device);
  if (!match) return null;
  const parts = match[1]!.split(/(?<!-)-(?!-)/);
  if (parts.length !== 2) return null;
  return `/dev/${parts.map((part) => part.replace(/--/g, '-')).join('/')}`;
}
