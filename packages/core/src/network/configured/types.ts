/**
 * What a guest's network configuration files say, read without running
 * anything: per file, each interface it configures, how that interface is
 * pinned (name, MAC) and addressed. `inspect` reports it as the pre-flight
 * view; the plan reports it again as the guest will have it on KVM.
 */
import type { NetworkFlavour } from '../../facts.js';

/** One interface as one file configures it. */
export interface ConfiguredInterface {
  /** The interface name the file applies to or gives (`ens192`, `bond0`); absent when it matches by MAC only. */
  name?: string;
  /** The MAC it matches, sets or renames by, normalized (`00:50:56:8a:3c:12`). */
  mac?: string;
  /** `ethernet` unless the file says bond, bridge, VLAN, …; `rename` for files that only name a NIC (udev rules, `.link`). */
  kind: 'ethernet' | 'bond' | 'bridge' | 'vlan' | 'rename' | 'other';
  /** Gets an IPv4 address by DHCP. */
  dhcp4: boolean;
  /** Gets IPv6 by DHCPv6 or router advertisements. */
  dhcp6: boolean;
  /** Static addresses with their prefix length (`10.0.2.15/24`, `fd00::5/64`). */
  addresses: string[];
  /** Default gateways. */
  gateways: string[];
  /** DNS servers. */
  dns: string[];
  /** DNS search domains. */
  search: string[];
  /**
   * Plan view only: the NIC of the emitted KVM domain (0-based) this interface
   * lands on, by the MAC it pins or the MAC a rename file gives its name.
   * Absent when the files alone do not tie it to one NIC.
   */
  kvmNic?: number;
}

/** One network configuration file and the interfaces in it. */
export interface NetworkConfigFile {
  /** Guest path. */
  path: string;
  flavour: NetworkFlavour;
  /** Interfaces it configures; empty when it configures none (loopback only, a `.netdev`, a flavour not read). */
  interfaces: ConfiguredInterface[];
}

/** An interface with nothing configured yet. */
export function configuredInterface(fields: Partial<ConfiguredInterface> = {}): ConfiguredInterface {
  return { kind: 'ethernet', dhcp4: false, dhcp6: false, addresses: [], gateways: [], dns: [], search: [], ...fields };
}

/** `255.255.255.0` → 24; `undefined` when it is not a contiguous IPv4 mask. */
export function prefixOfNetmask(netmask: string): number | undefined {
  const octets = netmask.trim().split('.');
  if (octets.length !== 4 || octets.some((octet) => !/^\d{1,3}$/.test(octet) || Number(octet) > 255)) return undefined;
  const bits = octets.map((octet) => Number(octet).toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : undefined;
}

/** An address with its prefix: from `a/p`, or `a` plus a netmask or prefix given apart. */
export function withPrefix(address: string, netmaskOrPrefix?: string): string {
  if (address.includes('/') || netmaskOrPrefix === undefined) return address;
  const mask = netmaskOrPrefix.trim();
  const prefix = /^\d{1,3}$/.test(mask) ? Number(mask) : prefixOfNetmask(mask);
  return prefix === undefined ? address : `${address}/${prefix}`;
}

/** Words of a list value: `a b`, `a,b`, `a;b;`. */
export function listWords(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\s,;]+/)
    .map((word) => word.trim())
    .filter((word) => word !== '');
}

/** A gateway that is no gateway (`0.0.0.0`, `::`) is left out. */
export function isRealGateway(address: string | undefined): address is string {
  return address !== undefined && address !== '' && address !== '0.0.0.0' && address !== '::';
}

/** Adds values not yet in the list, keeping order. */
export function addUnique(list: string[], values: Iterable<string>): void {
  for (const value of values) if (!list.includes(value)) list.push(value);
}
