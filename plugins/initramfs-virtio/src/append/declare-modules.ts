/**
 * How the image's own boot scripts are told to load the added modules, by
 * the tool that built it: initramfs-tools' init loads `conf/modules` before
 * udev starts; dracut reads `etc/cmdline.d/*.conf` as part of the kernel
 * command line and loads `rd.driver.pre=` modules before udev. (udev would
 * load virtio_pci and virtio_blk by their aliases too; loading them early
 * does not depend on the image's udev rules.)
 */
import { S_IFMT, S_IFREG, type CpioEntry } from '@hyper2kvm/guestfs';
import { appendModuleLines } from '../modules-config.js';

/** The file of the image that declares the modules: its new content, and whether the image had it. */
export interface ModuleDeclaration {
  tool: 'initramfs-tools' | 'dracut';
  name: string;
  data: Buffer;
  existed: boolean;
}

/** dracut's drop-in in the image, named after hyper2kvm's drop-in in the guest's /etc/dracut.conf.d. */
export const DRACUT_CMDLINE_DROPIN = 'etc/cmdline.d/90-hyper2kvm-virtio.conf';

const isFile = (entry: CpioEntry | undefined): entry is CpioEntry => entry !== undefined && (entry.mode & S_IFMT) === S_IFREG;

/**
 * The declaration of `modules` for an image with these entries (by name,
 * the last entry of each), or a reason when no known tool built it.
 */
export function declareModulesInImage(entries: ReadonlyMap<string, CpioEntry>, modules: string[]): ModuleDeclaration | { reason: string } {
  const confModules = entries.get('conf/modules');
  if (isFile(confModules)) {
    const after = appendModuleLines(confModules.data.toString('utf8'), modules);
    return { tool: 'initramfs-tools', name: 'conf/modules', data: Buffer.from(after, 'utf8'), existed: true };
  }
  if (isFile(entries.get('usr/lib/dracut-lib.sh')) || isFile(entries.get('lib/dracut-lib.sh'))) {
    const existing = entries.get(DRACUT_CMDLINE_DROPIN);
    const data = Buffer.from(
      `# Added by hyper2kvm: load the virtio drivers before udev, so the disks are found on KVM.\nrd.driver.pre=${modules.join(',')}\n`,
      'utf8',
    );
    return { tool: 'dracut', name: DRACUT_CMDLINE_DROPIN, data, existed: existing !== undefined };
  }
  return { reason: 'it has neither conf/modules (initramfs-tools) nor dracut-lib.sh (dracut), so no known tool built it' };
}
