/**
 * Linux inspection from the guest's own files. Works the same through the
 * libguestfs appliance and the directory adapter.
 */
import type { Bootloader, HypervisorTools, InitramfsTool, LinuxFacts, NetworkFlavour } from '../facts.js';
import { describeNetworkConfigs } from '../network/configured/describe.js';
import type { GuestView } from '../plan/planned-guest.js';
import { withMountpoints } from './filesystem-mountpoints.js';
import { parseFstab } from './fstab.js';
import { findKernels, type FindKernelsOptions } from './linux-kernels.js';
import { familyOf, parseShellAssignments, parseVersion } from './os-release.js';

/** Where each network flavour keeps its files. */
export const NETWORK_CONFIG_GLOBS: Record<NetworkFlavour, string[]> = {
  netplan: ['/etc/netplan/*.yaml', '/etc/netplan/*.yml'],
  ifupdown: ['/etc/network/interfaces', '/etc/network/interfaces.d/*'],
  ifcfg: ['/etc/sysconfig/network-scripts/ifcfg-*', '/etc/sysconfig/network/ifcfg-*'],
  networkmanager: ['/etc/NetworkManager/system-connections/*'],
  'systemd-networkd': ['/etc/systemd/network/*.network', '/etc/systemd/network/*.link', '/etc/systemd/network/*.netdev'],
  wicked: ['/etc/wicked/ifconfig/*.xml'],
  'udev-persistent-net': ['/etc/udev/rules.d/70-persistent-net.rules'],
};

/** Files whose presence shows hypervisor tools. */
const HYPERVISOR_TOOL_MARKERS: Record<HypervisorTools, string[]> = {
  vmware: ['/usr/bin/vmtoolsd', '/usr/sbin/vmtoolsd', '/etc/vmware-tools', '/usr/lib/vmware-tools', '/usr/bin/vmware-uninstall-tools.pl'],
  hyperv: ['/usr/sbin/hv_kvp_daemon', '/usr/sbin/hypervkvpd', '/usr/sbin/waagent'],
  virtualbox: ['/usr/sbin/VBoxService', '/usr/bin/VBoxService', '/opt/VBoxGuestAdditions-*'],
};

const INITRAMFS_TOOL_MARKERS: [InitramfsTool, string[]][] = [
  ['dracut', ['/usr/bin/dracut', '/usr/sbin/dracut', '/sbin/dracut']],
  ['initramfs-tools', ['/usr/sbin/update-initramfs', '/sbin/update-initramfs']],
  ['mkinitcpio', ['/usr/bin/mkinitcpio', '/etc/mkinitcpio.conf']],
  ['mkinitfs', ['/sbin/mkinitfs', '/usr/sbin/mkinitfs', '/etc/mkinitfs/mkinitfs.conf']],
  ['mkinitrd', ['/sbin/mkinitrd', '/usr/sbin/mkinitrd']],
];

const PACKAGE_MANAGER_MARKERS: [NonNullable<LinuxFacts['packageManager']>, string][] = [
  ['dnf', '/usr/bin/dnf'],
  ['yum', '/usr/bin/yum'],
  ['apt', '/usr/bin/apt-get'],
  ['zypper', '/usr/bin/zypper'],
  ['pacman', '/usr/bin/pacman'],
  ['apk', '/sbin/apk'],
];

async function anyExists(guest: GuestView, patterns: string[]): Promise<boolean> {
  for (const pattern of patterns) {
    if (/[*?[]/.test(pattern) ? (await guest.glob(pattern)).length > 0 : await guest.exists(pattern)) return true;
  }
  return false;
}

async function existing(guest: GuestView, paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) if (await guest.exists(path)) found.push(path);
  return found;
}

async function detectBootloader(guest: GuestView): Promise<{ bootloader: Bootloader; configs: string[]; bls: boolean }> {
  const bls = (await guest.glob('/boot/loader/entries/*.conf')).length > 0;
  const espStubs = [...(await guest.glob('/boot/efi/EFI/*/grub.cfg')), ...(await guest.glob('/boot/efi/EFI/*/grub2.cfg'))];
  const grub2 = await existing(guest, ['/boot/grub2/grub.cfg', '/boot/grub/grub.cfg', '/etc/default/grub', '/etc/kernel/cmdline']);
  if (grub2.some((path) => path.endsWith('grub.cfg')) || (await guest.exists('/etc/default/grub'))) {
    return { bootloader: 'grub2', configs: [...grub2, ...espStubs, ...(await existing(guest, ['/boot/grub2/device.map', '/boot/grub/device.map']))], bls };
  }
  const grub1 = await existing(guest, ['/boot/grub/menu.lst', '/boot/grub/grub.conf', '/etc/grub.conf']);
  if (grub1.length > 0) return { bootloader: 'grub1', configs: [...grub1, ...(await existing(guest, ['/boot/grub/device.map']))], bls };
  if ((await guest.exists('/boot/efi/loader/loader.conf')) || (await guest.exists('/boot/efi/EFI/systemd'))) {
    return { bootloader: 'systemd-boot', configs: await existing(guest, ['/boot/efi/loader/loader.conf', '/etc/kernel/cmdline']), bls };
  }
  const extlinux = await existing(guest, ['/boot/extlinux/extlinux.conf', '/boot/syslinux/syslinux.cfg', '/extlinux.conf', '/boot/extlinux.conf']);
  if (extlinux.length > 0) return { bootloader: 'extlinux', configs: extlinux, bls };
  return { bootloader: 'unknown', configs: [], bls };
}

/** Flavour → the guest paths of its config files, on the guest as it is or as planned. */
export async function detectNetwork(guest: GuestView): Promise<LinuxFacts['network']> {
  const network: LinuxFacts['network'] = {};
  for (const [flavour, globs] of Object.entries(NETWORK_CONFIG_GLOBS) as [NetworkFlavour, string[]][]) {
    const files: string[] = [];
    for (const pattern of globs) for (const path of await guest.glob(pattern)) if ((await guest.stat(path))?.type === 'file') files.push(path);
    // ifcfg-lo alone is not a network configuration worth migrating.
    const meaningful = files.filter((path) => !path.endsWith('/ifcfg-lo'));
    if (meaningful.length > 0) network[flavour] = meaningful;
  }
  return network;
}

async function detectSelinux(guest: GuestView): Promise<LinuxFacts['selinux']> {
  const config = await guest.readText('/etc/selinux/config');
  if (config === null) return 'absent';
  const mode = parseShellAssignments(config)['SELINUX']?.toLowerCase();
  return mode === 'enforcing' || mode === 'permissive' ? mode : 'disabled';
}

/** Hostname from the files distributions keep it in. */
async function detectHostname(guest: GuestView): Promise<string | undefined> {
  for (const path of ['/etc/hostname', '/etc/HOSTNAME']) {
    const text = (await guest.readText(path))?.trim();
    if (text) return text.split('\n')[0]!.trim();
  }
  const sysconfig = await guest.readText('/etc/sysconfig/network');
  return sysconfig ? parseShellAssignments(sysconfig)['HOSTNAME'] : undefined;
}

/** Linux facts, or `null` when the guest has no recognisable Linux root. `options.listInitramfs` tells what each initramfs holds. */
export async function inspectLinux(guest: GuestView, options: FindKernelsOptions = {}): Promise<(LinuxFacts & { hostname?: string; arch: string }) | null> {
  const osRelease = (await guest.readText('/etc/os-release')) ?? (await guest.readText('/usr/lib/os-release'));
  let id: string;
  let idLike: string[] = [];
  let versionText: string | undefined;
  let prettyName: string | undefined;
  if (osRelease !== null) {
    const fields = parseShellAssignments(osRelease);
    id = fields['ID'] ?? 'linux';
    idLike = (fields['ID_LIKE'] ?? '').split(/\s+/).filter(Boolean);
    versionText = fields['VERSION_ID'];
    prettyName = fields['PRETTY_NAME'];
  } else {
    const redhat = await guest.readText('/etc/redhat-release');
    const debian = await guest.readText('/etc/debian_version');
    if (redhat !== null) {
      id = /centos/i.test(redhat) ? 'centos' : 'rhel';
      versionText = /release (\d+(?:\.\d+)?)/.exec(redhat)?.[1];
      prettyName = redhat.trim();
    } else if (debian !== null) {
      id = 'debian';
      versionText = debian.trim();
    } else if (!(await guest.exists('/etc/fstab')) || (!(await guest.exists('/bin/sh')) && !(await guest.exists('/usr/bin/sh')))) {
      return null;
    } else {
      id = 'linux';
    }
  }
  const fstabText = (await guest.readText('/etc/fstab')) ?? '';
  const boot = await detectBootloader(guest);
  const kernels = await findKernels(guest, options);
  let initramfsTool: InitramfsTool = 'unknown';
  for (const [tool, markers] of INITRAMFS_TOOL_MARKERS) {
    if (await anyExists(guest, markers)) {
      initramfsTool = tool;
      break;
    }
  }
  const hypervisorTools: HypervisorTools[] = [];
  for (const [tools, markers] of Object.entries(HYPERVISOR_TOOL_MARKERS) as [HypervisorTools, string[]][]) {
    if (await anyExists(guest, markers)) hypervisorTools.push(tools);
  }
  let packageManager: LinuxFacts['packageManager'];
  for (const [manager, marker] of PACKAGE_MANAGER_MARKERS) {
    if (await guest.exists(marker)) {
      packageManager = manager;
      break;
    }
  }
  const hostname = await detectHostname(guest);
  const network = await detectNetwork(guest);
  const fstab = parseFstab(fstabText);
  const arch = kernels.some((kernel) => /aarch64|arm64/.test(kernel.version)) ? 'aarch64' : 'x86_64';
  return {
    distro: id,
    family: familyOf(id, idLike),
    version: parseVersion(versionText),
    ...(prettyName ? { prettyName } : {}),
    bootloader: boot.bootloader,
    bootloaderConfigs: boot.configs,
    bls: boot.bls,
    kernels,
    initramfsTool,
    network,
    networkConfigs: await describeNetworkConfigs(guest, network),
    hypervisorTools,
    selinux: await detectSelinux(guest),
    ...(packageManager ? { packageManager } : {}),
    fstab: fstab.map(({ spec, mountpoint, type }) => ({ spec, mountpoint, type })),
    filesystems: withMountpoints(await guest.filesystems(), fstab),
    ...(hostname ? { hostname } : {}),
    arch,
  };
}
