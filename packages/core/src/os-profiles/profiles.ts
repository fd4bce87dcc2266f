/**
 * The profile table. Adding a release: one entry here (or a family default
 * that already fits), a test-image recipe, and a changeset
 * (`npx nx g @hyper2kvm/generators:os-version` scaffolds them).
 */
import type { BootloaderProfile, InitramfsProfile, OsProfile } from './profile.js';

const dracut: InitramfsProfile = {
  tool: 'dracut',
  modulesConfig: { kind: 'dropin', path: '/etc/dracut.conf.d/90-hyper2kvm-virtio.conf', format: 'dracut' },
  rebuild: ['dracut', '--force', '{initramfs}', '{kver}'],
  image: '/boot/initramfs-{kver}.img',
};

const initramfsTools: InitramfsProfile = {
  tool: 'initramfs-tools',
  modulesConfig: { kind: 'lines', path: '/etc/initramfs-tools/modules' },
  rebuild: ['update-initramfs', '-u', '-k', '{kver}'],
  image: '/boot/initrd.img-{kver}',
};

const suseMkinitrd: InitramfsProfile = {
  tool: 'mkinitrd',
  modulesConfig: { kind: 'variable', path: '/etc/sysconfig/kernel', variable: 'INITRD_MODULES', syntax: 'shell-string' },
  rebuild: ['mkinitrd', '-k', '/boot/vmlinuz-{kver}', '-i', '{initramfs}'],
  image: '/boot/initrd-{kver}',
};

const suseDracut: InitramfsProfile = { ...dracut, image: '/boot/initrd-{kver}' };

const mkinitcpio: InitramfsProfile = {
  tool: 'mkinitcpio',
  modulesConfig: { kind: 'variable', path: '/etc/mkinitcpio.conf', variable: 'MODULES', syntax: 'bash-array' },
  rebuild: ['mkinitcpio', '-k', '{kver}', '-g', '{initramfs}'],
  image: '/boot/initramfs-linux.img',
};

const mkinitfs: InitramfsProfile = {
  tool: 'mkinitfs',
  modulesConfig: { kind: 'variable', path: '/etc/mkinitfs/mkinitfs.conf', variable: 'features', syntax: 'features' },
  rebuild: ['mkinitfs', '-o', '{initramfs}', '{kver}'],
  image: '/boot/initramfs-{flavour}',
};

const grubDebian: BootloaderProfile = { grubConfig: '/boot/grub/grub.cfg', mkconfig: ['grub-mkconfig', '-o', '/boot/grub/grub.cfg'], bls: false };
const grub2Rhel: BootloaderProfile = { grubConfig: '/boot/grub2/grub.cfg', mkconfig: ['grub2-mkconfig', '-o', '/boot/grub2/grub.cfg'], bls: true };
const grub2Suse: BootloaderProfile = { grubConfig: '/boot/grub2/grub.cfg', mkconfig: ['grub2-mkconfig', '-o', '/boot/grub2/grub.cfg'], bls: false };

const vmwareRpm = [
  'open-vm-tools',
  'open-vm-tools-desktop',
  'open-vm-tools-sdmp',
  'open-vm-tools-salt-minion',
  'VMwareTools',
  'vmware-tools-*',
  'kmod-vmware-tools*',
];
const vmwareDeb = ['open-vm-tools', 'open-vm-tools-desktop'];
const hypervRpm = ['hyperv-daemons', 'hypervkvpd', 'hypervvssd', 'hypervfcopyd', 'WALinuxAgent'];
const hypervDeb = ['hyperv-daemons', 'walinuxagent'];
const vboxDeb = ['virtualbox-guest-utils', 'virtualbox-guest-x11', 'virtualbox-guest-dkms'];
const vboxRpm = ['VirtualBox-guest-additions', 'virtualbox-guest-additions'];

const dnfRemove = ['rpm', '-e', '--nodeps', '{packages}'];
const rpmList = ['rpm', '-qa', '--queryformat', '%{NAME}\\n'];
const aptRemove = ['dpkg', '--purge', '--force-depends', '{packages}'];

function rhel(major: number, id = `rhel-${major}`, distros = ['rhel', 'centos', 'rocky', 'almalinux', 'ol']): OsProfile {
  return {
    id,
    match: { distros, major },
    family: 'rhel',
    initramfs: dracut,
    bootloader: { ...grub2Rhel, bls: major >= 8, ...(major >= 9 ? { efiStub: '/boot/efi/EFI/{vendor}/grub.cfg' } : {}) },
    network: major >= 9 ? ['networkmanager', 'ifcfg'] : ['ifcfg', 'networkmanager'],
    removePackages: dnfRemove,
    listPackages: rpmList,
    hypervisorPackages: { vmware: vmwareRpm, hyperv: hypervRpm, virtualbox: vboxRpm },
  };
}

function debian(id: string, distros: string[], major: number, network: OsProfile['network']): OsProfile {
  return {
    id,
    match: { distros, major },
    family: 'debian',
    initramfs: initramfsTools,
    bootloader: grubDebian,
    network,
    removePackages: aptRemove,
    hypervisorPackages: { vmware: vmwareDeb, hyperv: hypervDeb, virtualbox: vboxDeb },
  };
}

function suse(id: string, major: number): OsProfile {
  return {
    id,
    match: { distros: ['sles', 'sled', 'opensuse-leap', 'opensuse', 'suse'], major },
    family: 'suse',
    initramfs: major >= 15 ? suseDracut : suseMkinitrd,
    bootloader: grub2Suse,
    network: ['wicked', 'ifcfg'],
    removePackages: dnfRemove,
    listPackages: rpmList,
    hypervisorPackages: { vmware: vmwareRpm, hyperv: hypervRpm, virtualbox: vboxRpm },
  };
}

/** A release that differs from `base` only in the version it matches. */
export function releaseOf(base: OsProfile, id: string, major: number, overrides: Partial<Omit<OsProfile, 'id' | 'match'>> = {}): OsProfile {
  return { ...base, ...overrides, id, match: { ...base.match, major } };
}

const BASE_PROFILES: OsProfile[] = [
  rhel(7),
  rhel(8),
  rhel(9),
  { ...rhel(40, 'fedora', ['fedora']), match: { distros: ['fedora'] } },
  debian('debian-10', ['debian'], 10, ['ifupdown', 'udev-persistent-net']),
  debian('debian-11', ['debian'], 11, ['ifupdown', 'udev-persistent-net']),
  debian('debian-12', ['debian'], 12, ['ifupdown', 'systemd-networkd', 'netplan']),
  debian('ubuntu-18.04', ['ubuntu'], 18, ['netplan', 'ifupdown']),
  debian('ubuntu-20.04', ['ubuntu'], 20, ['netplan']),
  debian('ubuntu-22.04', ['ubuntu'], 22, ['netplan']),
  debian('ubuntu-24.04', ['ubuntu'], 24, ['netplan']),
  suse('sles-12', 12),
  suse('sles-15', 15),
  { ...suse('opensuse-tumbleweed', 0), id: 'opensuse-tumbleweed', match: { distros: ['opensuse-tumbleweed'] }, initramfs: suseDracut },
  {
    id: 'arch',
    match: { distros: ['arch', 'manjaro'] },
    family: 'arch',
    initramfs: mkinitcpio,
    bootloader: grubDebian,
    network: ['systemd-networkd', 'networkmanager'],
    removePackages: ['pacman', '-Rdd', '--noconfirm', '{packages}'],
    listPackages: ['pacman', '-Qq'],
    hypervisorPackages: { vmware: ['open-vm-tools'], hyperv: ['hyperv'], virtualbox: ['virtualbox-guest-utils', 'virtualbox-guest-utils-nox'] },
  },
  {
    id: 'alpine',
    match: { distros: ['alpine'] },
    family: 'alpine',
    initramfs: mkinitfs,
    bootloader: { grubConfig: '/boot/extlinux.conf', mkconfig: ['update-extlinux'], bls: false },
    network: ['ifupdown'],
    removePackages: ['apk', 'del', '{packages}'],
    listPackages: ['apk', 'info'],
    hypervisorPackages: { vmware: ['open-vm-tools'], hyperv: ['hvtools'], virtualbox: ['virtualbox-guest-additions'] },
  },
];

/** Profiles by id, for releases derived from another one. */
function byId(id: string): OsProfile {
  const found = BASE_PROFILES.find((profile) => profile.id === id);
  if (!found) throw new Error(`unknown base OS profile ${id}`);
  return found;
}

/** Releases added later, each derived from a base profile (`nx g @hyper2kvm/generators:os-version` appends here). */
const DERIVED_PROFILES: OsProfile[] = [
  releaseOf(byId('debian-12'), 'debian-13', 13),
  // @os-version-generator: new releases above this line
];

export const OS_PROFILES: OsProfile[] = [...BASE_PROFILES, ...DERIVED_PROFILES];
