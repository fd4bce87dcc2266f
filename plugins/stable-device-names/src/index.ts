/**
 * Names disks by UUID (or LABEL/PARTUUID) wherever the guest names them by
 * kernel name, so the guest finds them on virtio where /dev/sda becomes /dev/vda.
 */
import { definePlugin, packageManifest, parseFstab, replaceFirstField, type PlanContext } from '@hyper2kvm/core';
import { z } from 'zod';
import { cmdlineDeviceNames, isUnstableDeviceName, resolveNames, rewriteCmdline } from './device-names.js';

const manifest = packageManifest(import.meta.url);

/** Files holding a kernel command line or a bootloader config with `root=`. */
const CMDLINE_FILES = [
  '/etc/default/grub',
  '/etc/kernel/cmdline',
  '/boot/grub/grub.cfg',
  '/boot/grub2/grub.cfg',
  '/boot/grub/menu.lst',
  '/boot/grub/grub.conf',
  '/etc/grub.conf',
  '/boot/extlinux/extlinux.conf',
  '/boot/syslinux/syslinux.cfg',
  '/extlinux.conf',
];
const CMDLINE_GLOBS = ['/boot/loader/entries/*.conf', '/etc/default/grub.d/*.cfg'];
/**
 * initramfs-tools' resume device (`RESUME=/dev/sda5`, written by the Debian
 * installer): a kernel name there makes the initramfs wait for a device that
 * is not there on virtio, and hibernation resume lost.
 */
const RESUME_FILES = ['/etc/initramfs-tools/conf.d/resume'];
const RESUME_LINE = /^(\s*RESUME=)(["']?)([^"'\s]+)\2(\s*)$/;

/** The device a resume file names, when it is by kernel name. */
function resumeDeviceNames(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    const spec = RESUME_LINE.exec(line)?.[3];
    return spec && isUnstableDeviceName(spec) ? [spec] : [];
  });
}

/** Device maps pin BIOS disk order to kernel names; grub works without them. */
const DEVICE_MAPS = ['/boot/grub/device.map', '/boot/grub2/device.map'];
/** Caches that name old device IDs. */
const STALE_CACHES = ['/etc/blkid/blkid.tab', '/etc/blkid.tab', '/etc/lvm/cache/.cache', '/etc/lvm/devices/system.devices'];

const options = z
  .object({
    /** Also rewrite names in the generated grub.cfg (kept until grub is regenerated). */
    rewriteGeneratedGrubConfig: z.boolean().default(true),
  })
  .strict();

async function tabFileNames(p: PlanContext, path: string, field: 0 | 1): Promise<{ text: string; names: string[] } | null> {
  const text = await p.guest.readText(path);
  if (text === null) return null;
  const names = text
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('#'))
    .map((line) => line.trim().split(/\s+/)[field] ?? '')
    .filter(isUnstableDeviceName);
  return { text, names };
}

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Rewrites /dev/sdX names in fstab, crypttab, kernel command lines and the initramfs resume device to UUID=…',
  options,
  enforce: 'pre',
  appliesTo: (facts) => facts.os.type === 'linux',
  apply(hooks, { options: settings }) {
    hooks.plan.tapPromise(manifest.name, async (p) => {
      const fstab = await tabFileNames(p, '/etc/fstab', 0);
      const crypttab = await tabFileNames(p, '/etc/crypttab', 1);
      const cmdlineFiles = [...CMDLINE_FILES.filter((path) => settings.rewriteGeneratedGrubConfig || !path.endsWith('grub.cfg'))];
      for (const pattern of CMDLINE_GLOBS) cmdlineFiles.push(...(await p.guest.glob(pattern)));
      const cmdlines = new Map<string, string>();
      for (const path of cmdlineFiles) {
        const text = await p.guest.readText(path);
        if (text !== null) cmdlines.set(path, text);
      }
      const resumeFiles = new Map<string, string>();
      for (const path of RESUME_FILES) {
        const text = await p.guest.readText(path);
        if (text !== null) resumeFiles.set(path, text);
      }
      const wanted = [
        ...(fstab?.names ?? []),
        ...(crypttab?.names ?? []),
        ...[...cmdlines.values()].flatMap(cmdlineDeviceNames),
        ...[...resumeFiles.values()].flatMap(resumeDeviceNames),
      ];
      const { replacements, unresolved } = resolveNames(wanted, await p.guest.filesystems());

      if (fstab && fstab.names.length > 0) {
        await p.editFile(
          '/etc/fstab',
          (text) =>
            parseFstab(text).reduce(
              (out, entry) => (replacements.has(entry.spec) ? replaceFirstField(out, entry.line, replacements.get(entry.spec)!) : out),
              text,
            ),
          'name file systems by UUID so they are found on virtio',
        );
      }
      if (crypttab && crypttab.names.length > 0) {
        await p.editFile(
          '/etc/crypttab',
          (text) =>
            text
              .split('\n')
              .map((line) => {
                const fields = line.trim().split(/\s+/);
                const stable = fields[1] ? replacements.get(fields[1]) : undefined;
                return stable && !line.trim().startsWith('#') ? line.replace(fields[1]!, stable) : line;
              })
              .join('\n'),
          'name encrypted devices by UUID',
        );
      }
      for (const path of cmdlines.keys()) {
        await p.editFile(path, (text) => rewriteCmdline(text, replacements), 'root=/resume= by UUID on the kernel command line');
      }
      for (const path of resumeFiles.keys()) {
        await p.editFile(
          path,
          (text) =>
            text
              .split('\n')
              .map((line) =>
                line.replace(RESUME_LINE, (whole, head: string, quote: string, spec: string, tail: string) =>
                  replacements.has(spec) ? `${head}${quote}${replacements.get(spec)}${quote}${tail}` : whole,
                ),
              )
              .join('\n'),
          'the resume device by UUID, so the initramfs does not wait for a kernel name virtio does not have',
        );
      }
      for (const path of DEVICE_MAPS) {
        await p.deleteFile(path, 'device.map pins BIOS disks to kernel names that change on virtio');
      }
      for (const path of STALE_CACHES) await p.deleteFile(path, 'stale device cache naming the old disks');
      for (const name of unresolved) {
        p.report({
          rule: 'unresolvable-device-name',
          severity: 'warning',
          message: `${name} is named by kernel name or path but its file system has no UUID, LABEL or PARTUUID`,
          hint: 'give the file system a label in the source VM, or check that the disk order matches',
        });
      }
    });
  },
});

export * from './device-names.js';
