/**
 * Inspection facts: what hyper2kvm knows about the guest after `inspect`.
 * Core fills the common part and the target devices; plugins add their own
 * under `extensions[<their package name>]`, typed by declaration merging.
 */
import type { GuestFilesystem } from './guest/guestfs.js';
import type { NetworkConfigFile } from './network/configured/types.js';
import type { Firmware, VmDescription } from './vm.js';

export type OsType = 'linux' | 'windows' | 'unknown';
export type LinuxFamily = 'rhel' | 'debian' | 'suse' | 'arch' | 'alpine' | 'other';
export type Bootloader = 'grub2' | 'grub1' | 'systemd-boot' | 'extlinux' | 'unknown';
export type InitramfsTool = 'dracut' | 'initramfs-tools' | 'mkinitrd' | 'mkinitcpio' | 'mkinitfs' | 'unknown';
export type NetworkFlavour = 'netplan' | 'ifupdown' | 'ifcfg' | 'networkmanager' | 'systemd-networkd' | 'wicked' | 'udev-persistent-net';
export type HypervisorTools = 'vmware' | 'hyperv' | 'virtualbox';

export interface KernelFacts {
  /** `uname -r` of the kernel, e.g. `5.15.0-91-generic`. */
  version: string;
  /** Guest path of the kernel image. */
  image: string;
  /** Guest path of its initramfs, when one exists. */
  initramfs?: string;
  /** Virtio block driver is built into the kernel (`CONFIG_VIRTIO_BLK=y`). */
  virtioBuiltIn: boolean;
  /** Virtio modules present under `/lib/modules/<version>` (names without `.ko*`). */
  virtioModules: string[];
  /**
   * The initramfs already carries virtio_pci, virtio_blk and virtio_scsi (each
   * one the kernel has as a module; see `initramfsHasVirtio()`). Absent when
   * it could not be listed (unknown).
   */
  initramfsHasVirtio?: boolean;
}

export interface LinuxFacts {
  distro: string;
  family: LinuxFamily;
  version: { major: number; minor: number };
  /** Human name from os-release `PRETTY_NAME`. */
  prettyName?: string;
  bootloader: Bootloader;
  /** Guest paths of the bootloader's config files that exist. */
  bootloaderConfigs: string[];
  /** BLS entries exist under /boot/loader/entries. */
  bls: boolean;
  kernels: KernelFacts[];
  initramfsTool: InitramfsTool;
  /** Flavour → guest paths of its config files. */
  network: Partial<Record<NetworkFlavour, string[]>>;
  /** What those files configure: per file, each interface's pins (name, MAC) and addressing. */
  networkConfigs: NetworkConfigFile[];
  hypervisorTools: HypervisorTools[];
  selinux: 'enforcing' | 'permissive' | 'disabled' | 'absent';
  packageManager?: 'dnf' | 'yum' | 'apt' | 'zypper' | 'pacman' | 'apk';
  /** fstab as parsed: device spec, mount point, type. */
  fstab: { spec: string; mountpoint: string; type: string }[];
  /** The file systems on the disks, with the fstab mount point each is named at (by UUID, LABEL, PARTUUID or device). */
  filesystems: (GuestFilesystem & { mountpoint?: string })[];
}

export interface WindowsFacts {
  productName: string;
  /** `EditionID`, e.g. `ServerStandard`, `Professional`. */
  editionId?: string;
  /** e.g. `10.0`, `6.1`. */
  ntVersion: string;
  build: number;
  installationType: 'client' | 'server';
  /** Guest path of the system root, e.g. `/Windows`. */
  systemRoot: string;
  controlSets: string[];
  currentControlSet: string;
  hasDriverDatabase: boolean;
  hibernated: boolean;
  fastStartup: boolean;
  vmwareToolsInstalled: boolean;
  /**
   * Guest path where the guest access shows the EFI system partition (UEFI:
   * `\EFI\Microsoft\Boot\BCD`, `\EFI\BOOT\BOOTX64.EFI`), e.g. `/.hyper2kvm/esp`.
   * Absent when no ESP is reachable.
   */
  espRoot?: string;
  /**
   * Guest path where the guest access shows the BIOS boot volume ("System
   * Reserved": `\bootmgr`, `\Boot\BCD`) when it is another partition than
   * C:, e.g. `/.hyper2kvm/system-reserved`. Absent when the boot files are on
   * the system volume itself or not reachable.
   */
  bootVolumeRoot?: string;
}

/**
 * Facts plugins add, one key per plugin: its package name. A plugin types its
 * own by declaration merging:
 * `declare module '@hyper2kvm/core' { interface PluginFactExtensions { '@acme/hyper2kvm-plugin-x': XFacts } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PluginFactExtensions {}

/**
 * The devices the guest gets on KVM. Core starts with virtio for both; a
 * plugin that knows the guest cannot drive them yet (a Windows guest without
 * virtio drivers: SATA and e1000) or drives another (vioscsi: virtio-scsi)
 * changes them during `inspect`; the emitters (libvirt, KubeVirt) follow them.
 */
export interface TargetDevices {
  diskBus: 'virtio' | 'scsi' | 'sata';
  nicModel: 'virtio' | 'e1000e' | 'e1000';
}

/** What a guest gets unless a plugin says otherwise. */
export function defaultTargetDevices(): TargetDevices {
  return { diskBus: 'virtio', nicModel: 'virtio' };
}

export interface GuestFacts {
  os: {
    type: OsType;
    arch: string;
    hostname?: string;
    /** Product name as libguestfs or os-release tells it. */
    productName?: string;
    /** The root file system the OS was found on, as the guest-access layer names it (`/dev/sda1`, `btrfsvol:/dev/sda2/@`). */
    root?: string;
    /** Other operating systems found on the disks (multi-boot), not used. */
    otherRoots?: string[];
    /** Roots inspection also reported that are snapshots of the root (btrfs), not used, each with why. */
    skippedRoots?: { root: string; reason: string }[];
  };
  firmware: Firmware | 'unknown';
  linux?: LinuxFacts;
  windows?: WindowsFacts;
  /** The VM as the export describes it. */
  vm?: VmDescription;
  /** The devices it gets on KVM (see {@link TargetDevices}). */
  target: TargetDevices;
  /** Plugins' own facts, under their package names. */
  extensions: Partial<PluginFactExtensions>;
}

/** Facts before inspection has run. */
export function emptyFacts(vm?: VmDescription): GuestFacts {
  return { os: { type: 'unknown', arch: 'unknown' }, firmware: 'unknown', ...(vm ? { vm } : {}), target: defaultTargetDevices(), extensions: {} };
}
