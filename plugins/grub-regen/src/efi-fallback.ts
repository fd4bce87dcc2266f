/**
 * The removable-media loader `EFI/BOOT/BOOTX64.EFI` for a UEFI Linux guest.
 * A distribution's installer registers its loader (EFI/debian/shimx64.efi,
 * EFI/redhat/grubx64.efi…) in the firmware's NVRAM and may leave no fallback
 * copy (Debian's `grub-install` does not make one unless told to, RHEL 7
 * neither). That NVRAM stays with the old hypervisor: the new VM's firmware
 * starts with empty boot entries and only tries the fallback path, so
 * without it the guest does not get past the firmware.
 */
import { posix } from 'node:path';
import type { LinuxFacts, PlanContext } from '@hyper2kvm/core';

/** Where the ESP is mounted in Linux guests, most common first. */
const ESP_MOUNTS = ['/boot/efi', '/efi', '/boot'];

/** Loaders in the order the firmware entry would start them: shim first (it starts grub from its own folder). */
const LOADERS = ['shimx64.efi', 'grubx64.efi', 'systemd-bootx64.efi'];

/**
 * Files of the vendor folder the fallback folder needs beside the loader:
 * shim starts `grubx64.efi` (and `mmx64.efi`) from the folder it was started
 * from, and a signed GRUB reads `grub.cfg` from there too.
 */
const COMPANIONS = ['grubx64.efi', 'mmx64.efi', 'grub.cfg'];

/** Vendor folders named after the distribution, tried before the others. */
const VENDOR_DIRS: Record<string, string[]> = {
  rhel: ['redhat'],
  centos: ['centos', 'redhat'],
  rocky: ['rocky', 'redhat'],
  almalinux: ['almalinux', 'redhat'],
  fedora: ['fedora'],
  sles: ['sles', 'opensuse'],
  opensuse: ['opensuse'],
};

/** The vendor folder and loader the fallback is copied from, or undefined when the ESP has none. */
async function findLoader(p: PlanContext, efiDir: string, distro: string): Promise<{ dir: string; loader: string } | undefined> {
  const dirs = (await p.guest.glob(`${efiDir}/*`)).filter((dir) => posix.basename(dir).toLowerCase() !== 'boot');
  const preferred = VENDOR_DIRS[distro] ?? [distro];
  const rank = (dir: string): number => {
    const at = preferred.indexOf(posix.basename(dir).toLowerCase());
    return at === -1 ? preferred.length : at;
  };
  const ordered = [...dirs].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const loader of LOADERS) {
    for (const dir of ordered) {
      const path = await p.guest.resolveCaseInsensitive(`${dir}/${loader}`);
      if (path) return { dir, loader: path };
    }
  }
  return undefined;
}

/**
 * Plans `EFI/BOOT/BOOTX64.EFI` (and what the loader needs beside it) from
 * the guest's own loader when the ESP has no fallback loader.
 */
export async function planEfiFallbackLoader(p: PlanContext, linux: LinuxFacts): Promise<void> {
  let efiDir: string | undefined;
  for (const mount of ESP_MOUNTS) {
    efiDir = (await p.guest.resolveCaseInsensitive(`${mount}/EFI`)) ?? undefined;
    if (efiDir) break;
  }
  if (!efiDir) {
    p.report({
      rule: 'efi-esp-not-found',
      severity: 'warning',
      message: `A UEFI guest, but no EFI folder in ${ESP_MOUNTS.join(', ')}: the fallback boot loader EFI/BOOT/BOOTX64.EFI could not be checked`,
      hint: 'if the migrated VM stops in the firmware, add a boot entry for the guest’s loader or copy it to EFI/BOOT/BOOTX64.EFI on the ESP',
    });
    return;
  }
  if (await p.guest.resolveCaseInsensitive(`${efiDir}/BOOT/BOOTX64.EFI`)) return;
  const found = await findLoader(p, efiDir, linux.distro);
  if (!found) {
    p.report({
      rule: 'efi-no-loader',
      severity: 'warning',
      message: `No boot loader (${LOADERS.join(', ')}) under ${efiDir}, and no EFI/BOOT/BOOTX64.EFI: the migrated VM's firmware will find nothing to boot`,
      hint: 'reinstall the boot loader in the source VM (grub-install --removable, or bootctl install)',
    });
    return;
  }
  const bootDir = (await p.guest.resolveCaseInsensitive(`${efiDir}/BOOT`)) ?? `${efiDir}/BOOT`;
  const reason = `fallback UEFI loader: the firmware boot entry for ${found.loader} stayed in the old hypervisor's NVRAM`;
  await p.writeFile(`${bootDir}/BOOTX64.EFI`, await p.guest.readFile(found.loader), reason);
  const copied = [posix.basename(found.loader)];
  for (const companion of COMPANIONS) {
    const source = await p.guest.resolveCaseInsensitive(`${found.dir}/${companion}`);
    if (!source || source === found.loader) continue;
    await p.writeFile(`${bootDir}/${companion}`, await p.guest.readFile(source), `${reason} (${companion} beside the loader, where it looks for it)`);
    copied.push(companion);
  }
  p.report({
    rule: 'efi-fallback-loader',
    severity: 'info',
    message: `${bootDir}/BOOTX64.EFI is added as a copy of ${found.loader}${copied.length > 1 ? ` (with ${copied.slice(1).join(', ')})` : ''}: a new VM's firmware has no boot entry for the guest`,
  });
}
