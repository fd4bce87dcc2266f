/**
 * Per-OS profiles: what differs between distributions and releases, as
 * data. Plugins look the guest up here instead of branching on distro names.
 */
import type { InitramfsTool, LinuxFamily, NetworkFlavour } from '../facts.js';

/** Command template: `{kver}` is replaced by a kernel version, `{initramfs}` by its image path. */
export type CommandTemplate = string[];

export interface InitramfsProfile {
  tool: Exclude<InitramfsTool, 'unknown'>;
  /**
   * How extra modules are declared: a drop-in file written whole, a line
   * list appended to, or a variable in a shell-style config.
   */
  modulesConfig:
    | { kind: 'dropin'; path: string; format: 'dracut' }
    | { kind: 'lines'; path: string }
    | { kind: 'variable'; path: string; variable: string; syntax: 'shell-string' | 'bash-array' | 'features' };
  /** Rebuild one kernel's image in place. */
  rebuild: CommandTemplate;
  /** Image path pattern for a kernel version. */
  image: string;
}

export interface BootloaderProfile {
  /** Generated grub config (BIOS, and the real one on UEFI when the ESP holds a stub). */
  grubConfig: string;
  /** Regenerates `grubConfig`. */
  mkconfig: CommandTemplate;
  /** The ESP config that only points at `grubConfig` (RHEL 9+, Fedora 34+), when the release uses one. */
  efiStub?: string;
  /** Grub keeps kernel entries as BLS snippets. */
  bls: boolean;
}

export interface OsProfile {
  /** e.g. `rhel-9`, `ubuntu-22.04`. */
  id: string;
  /** Who this profile is for; the most specific match wins. */
  match: { distros: string[]; major?: number; minorAtLeast?: number };
  family: LinuxFamily;
  initramfs: InitramfsProfile;
  bootloader: BootloaderProfile;
  /** Network configuration flavours the release uses, most authoritative first. */
  network: NetworkFlavour[];
  /** Removes packages offline (inside the appliance); `{packages}` is replaced by the names. */
  removePackages?: CommandTemplate;
  /**
   * Prints the names of installed packages, one per line, when run inside the
   * appliance: for package databases that cannot be read as plain files (rpm).
   */
  listPackages?: CommandTemplate;
  /** Package names of hypervisor tools as this release calls them; `*` matches any characters. */
  hypervisorPackages: { vmware: string[]; hyperv: string[]; virtualbox: string[] };
}
