/**
 * What each family of hypervisor tools leaves on a Linux guest besides its
 * packages: service units, SysV init scripts and installer-based uninstallers.
 * Package names are per release and live in the OS profiles.
 */
import type { HypervisorTools } from '@hyper2kvm/core';

export interface ToolFamily {
  /** How the report names the family. */
  label: string;
  /** systemd units whose enablement links are removed. */
  units: string[];
  /** SysV init script names whose rc?.d links are removed. */
  initScripts: string[];
  /** Uninstallers of tools installed without a package manager (globs allowed). */
  uninstallers: string[];
}

export const TOOL_FAMILIES: Record<HypervisorTools, ToolFamily> = {
  vmware: {
    label: 'VMware tools',
    units: ['vmtoolsd.service', 'open-vm-tools.service', 'vgauthd.service', 'vgauth.service', 'vmware-tools.service', 'vmware-tools-thinprint.service'],
    initScripts: ['vmware-tools', 'open-vm-tools', 'vmtoolsd', 'vgauthd'],
    uninstallers: ['/usr/bin/vmware-uninstall-tools.pl'],
  },
  hyperv: {
    label: 'Hyper-V daemons',
    units: [
      'hv-kvp-daemon.service',
      'hv_kvp_daemon.service',
      'hv-vss-daemon.service',
      'hv_vss_daemon.service',
      'hv-fcopy-daemon.service',
      'hv_fcopy_daemon.service',
      'hypervkvpd.service',
      'hypervvssd.service',
      'hypervfcopyd.service',
      'waagent.service',
      'walinuxagent.service',
    ],
    initScripts: ['hv_kvp_daemon', 'hv-kvp-daemon', 'hypervkvpd', 'hypervvssd', 'hypervfcopyd', 'waagent', 'walinuxagent'],
    uninstallers: [],
  },
  virtualbox: {
    label: 'VirtualBox guest additions',
    units: ['vboxadd.service', 'vboxadd-service.service', 'vboxservice.service', 'virtualbox-guest-utils.service'],
    initScripts: ['vboxadd', 'vboxadd-service', 'vboxadd-x11', 'virtualbox-guest-utils'],
    uninstallers: ['/opt/VBoxGuestAdditions-*/uninstall.sh'],
  },
};

export const FAMILY_NAMES = Object.keys(TOOL_FAMILIES) as HypervisorTools[];

/** Whether a package name matches a profile pattern (`*` matches any characters). */
export function matchesPackagePattern(name: string, pattern: string): boolean {
  if (!pattern.includes('*')) return name === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(name);
}
