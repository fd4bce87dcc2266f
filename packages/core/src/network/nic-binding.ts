/**
 * Decides which NIC of the KVM domain each pinned network configuration
 * belongs to. Network plugins (netplan, ifupdown, ifcfg, NetworkManager,
 * systemd-networkd, wicked, udev rules) share this one policy:
 *
 * - the VM description gives the MACs (the emitted domain keeps them): a
 *   configuration pinned by a MAC of the domain stays on that NIC; one pinned
 *   by name or by a foreign MAC goes to the free NIC at the same position
 *   (names in natural order: ens160 < ens192 < ens224), bound by MAC, and
 *   keeps its interface name;
 * - no MACs, one NIC and one pinned interface: bind it by the virtio driver;
 * - anything else cannot be decided and is left to the user.
 */
import type { GuestFacts } from '../facts.js';
import { hasKernelOption, kernelCommandLineText } from '../inspect/kernel-cmdline.js';
import type { GuestView } from '../plan/planned-guest.js';

/** How one configuration pins an interface: by kernel name, by MAC, or both. */
export interface InterfacePin {
  name?: string;
  mac?: string;
}

/** What a configuration must be bound to on KVM. */
export type NicBinding =
  /** Nothing pins it to VMware hardware. */
  | { kind: 'unchanged' }
  /** Bind to `mac` (the NIC at index `nic`); `name`, when set, must be kept by a rename. */
  | { kind: 'mac'; nic: number; mac: string; name?: string }
  /** Single NIC, MAC unknown: bind by the virtio_net driver; `name`, when set, must be kept. */
  | { kind: 'driver'; name?: string }
  /** Several candidates and no MACs: the user must map it. */
  | { kind: 'unmapped' };

/** The NICs the guest will see on KVM. */
export interface NicTargets {
  /** MAC of each NIC of the domain, by index; `undefined` where the export gives none. At least one entry. */
  macs: (string | undefined)[];
  /** The guest names NICs in kernel order (`eth0`…): `net.ifnames=0`, predictable naming disabled, or no systemd udev. */
  kernelNames: boolean;
  /** Name the first virtio NIC gets on KVM when nothing renames it (q35: `enp1s0`). */
  defaultName: string;
}

const MAC = /^[0-9a-f]{2}([:-]?)(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}$/i;
const PHYSICAL_NAME = /^(?:eth\d+|en[a-z][0-9a-z]*|em\d+|p\d+p\d+)$/;

/** `00-50-56-AA-BB-CC` or `005056aabbcc` → `00:50:56:aa:bb:cc`; `undefined` when not a MAC. */
export function normalizeMac(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed || !MAC.test(trimmed)) return undefined;
  const hex = trimmed.replace(/[:-]/g, '').toLowerCase();
  return hex.match(/../g)!.join(':');
}

/** OUIs of hypervisor NICs: VMware, Hyper-V, VirtualBox. */
const HYPERVISOR_OUIS = ['00:50:56', '00:0c:29', '00:05:69', '00:1c:14', '00:15:5d', '08:00:27'];

/**
 * A MAC a hypervisor handed out. A config that *sets* such a MAC on a NIC
 * (`hwaddress`, `MACADDR=`, `cloned-mac-address=`) only repeats the old
 * hardware address; any other MAC set there is the user's choice.
 */
export function isHypervisorMac(text: string | undefined): boolean {
  const mac = normalizeMac(text);
  return mac !== undefined && HYPERVISOR_OUIS.includes(mac.slice(0, 8));
}

/** Writes `mac` in the letter case the original used (RHEL writes upper case). */
export function macInStyleOf(mac: string, original: string): string {
  return /[A-F]/.test(original) && !/[a-f]/.test(original) ? mac.toUpperCase() : mac;
}

/** A kernel name of a physical NIC (`ens192`, `enp11s0`, `eth0`, `em1`, `p2p1`), not a bond, bridge, VLAN or glob. */
export function isPhysicalInterfaceName(name: string): boolean {
  return PHYSICAL_NAME.test(name);
}

/** Whether the guest names NICs in kernel order rather than by predictable names. */
async function usesKernelNames(guest: GuestView, facts: GuestFacts): Promise<boolean> {
  if (facts.linux?.family === 'alpine') return true; // no systemd udev: kernel names
  if (hasKernelOption(await kernelCommandLineText(guest), 'net.ifnames=0')) return true;
  // Predictable names are also switched off by masking their udev rule or default .link.
  for (const path of ['/etc/udev/rules.d/80-net-setup-link.rules', '/etc/systemd/network/99-default.link']) {
    const stat = await guest.stat(path);
    if (stat?.type === 'symlink' && (await guest.readlink(path)) === '/dev/null') return true;
  }
  return false;
}

/** MAC of each NIC of the emitted domain, by index (normalized; `undefined` where the export gives none); at least one entry. */
export function domainMacs(facts: GuestFacts): (string | undefined)[] {
  const nics = facts.vm?.nics ?? [];
  return nics.length > 0 ? nics.map((nic) => normalizeMac(nic.mac)) : [undefined];
}

/** The NICs of the domain hyper2kvm emits, as far as the facts tell. */
export async function nicTargets(guest: GuestView, facts: GuestFacts): Promise<NicTargets> {
  const macs = domainMacs(facts);
  const kernelNames = await usesKernelNames(guest, facts);
  return { macs, kernelNames, defaultName: kernelNames ? 'eth0' : 'enp1s0' };
}

/** Natural order of interface names: ens160 < ens192 < ens224, eth2 < eth10. */
function compareNames(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  return a.localeCompare(b, 'en', { numeric: true });
}

interface Group {
  pins: number[];
  name?: string;
  mac?: string;
}

/** Pins naming the same interface or MAC describe one NIC (an ifcfg file and a keyfile of one connection). */
function groupPins(pins: InterfacePin[]): Group[] {
  const groups: Group[] = [];
  pins.forEach((pin, index) => {
    const mac = normalizeMac(pin.mac);
    const matches = groups.filter((group) => (pin.name !== undefined && group.name === pin.name) || (mac !== undefined && group.mac === mac));
    const merged: Group = { pins: [index], ...(pin.name ? { name: pin.name } : {}), ...(mac ? { mac } : {}) };
    for (const group of matches) {
      merged.pins.push(...group.pins);
      merged.name ??= group.name;
      merged.mac ??= group.mac;
      groups.splice(groups.indexOf(group), 1);
    }
    groups.push(merged);
  });
  return groups;
}

/**
 * Binds each pin to a NIC of the domain; the result has one entry per pin,
 * in order. A name is only kept by a rename when it is not a kernel-order name
 * (`eth0` on a guest with `net.ifnames=0` comes back by itself).
 */
export function bindInterfaces(pins: InterfacePin[], targets: NicTargets): NicBinding[] {
  const bindings: NicBinding[] = pins.map(() => ({ kind: 'unchanged' }));
  const renamed = (name: string | undefined): string | undefined => (name === undefined || (targets.kernelNames && /^eth\d+$/.test(name)) ? undefined : name);
  const taken = new Set<number>();
  const positional: Group[] = [];
  const settle = (group: Group, binding: NicBinding): void => {
    for (const index of group.pins) bindings[index] = binding;
  };

  for (const group of groupPins(pins)) {
    const name = renamed(group.name);
    if (name === undefined && group.mac === undefined) continue; // nothing VMware-specific
    const nic = group.mac === undefined ? -1 : targets.macs.indexOf(group.mac);
    if (nic >= 0) {
      taken.add(nic);
      settle(group, { kind: 'mac', nic, mac: group.mac!, ...(name ? { name } : {}) });
    } else {
      positional.push(group);
    }
  }

  positional.sort((a, b) => compareNames(a.name, b.name));
  const allKnown = targets.macs.every((mac) => mac !== undefined);
  if (!allKnown && targets.macs.length === 1 && positional.length === 1 && taken.size === 0) {
    const name = renamed(positional[0]!.name);
    settle(positional[0]!, { kind: 'driver', ...(name ? { name } : {}) });
    return bindings;
  }
  const free = targets.macs.map((mac, nic) => ({ mac, nic })).filter(({ mac, nic }) => mac !== undefined && !taken.has(nic));
  for (const group of positional) {
    const target = free.shift();
    const name = renamed(group.name);
    settle(group, target ? { kind: 'mac', nic: target.nic, mac: target.mac!, ...(name ? { name } : {}) } : { kind: 'unmapped' });
  }
  return bindings;
}
