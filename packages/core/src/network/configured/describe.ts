/**
 * Reads every network configuration file of a Linux guest (the files
 * inspection found per flavour) into {@link NetworkConfigFile}s. Works on any
 * guest view: the guest as exported (inspect) or as planned (the plan's view
 * of the network on KVM).
 */
import type { NetworkFlavour } from '../../facts.js';
import type { GuestView } from '../../plan/planned-guest.js';
import { describeIfcfg } from './ifcfg.js';
import { describeIfupdown } from './ifupdown.js';
import { describeKeyfile } from './keyfile.js';
import { describeNetplan } from './netplan.js';
import { describeNetworkd } from './networkd.js';
import type { ConfiguredInterface, NetworkConfigFile } from './types.js';
import { describeUdevRules } from './udev-rules.js';

type Describe = (text: string, path: string) => ConfiguredInterface[];

/** The reader of each flavour; wicked's XML is listed by file only. */
const READERS: Record<NetworkFlavour, Describe | undefined> = {
  netplan: describeNetplan,
  ifupdown: describeIfupdown,
  ifcfg: describeIfcfg,
  networkmanager: describeKeyfile,
  'systemd-networkd': describeNetworkd,
  wicked: undefined,
  'udev-persistent-net': describeUdevRules,
};

/** The interfaces one file configures; a file that does not parse configures none (the network plugins report it). */
export function describeNetworkFile(flavour: NetworkFlavour, path: string, text: string): ConfiguredInterface[] {
  const reader = READERS[flavour];
  if (!reader) return [];
  try {
    return reader(text, path);
  } catch {
    return [];
  }
}

/** Every file of `files` (flavour → guest paths, as `LinuxFacts.network`), read from `guest`. */
export async function describeNetworkConfigs(guest: GuestView, files: Partial<Record<NetworkFlavour, string[]>>): Promise<NetworkConfigFile[]> {
  const described: NetworkConfigFile[] = [];
  for (const [flavour, paths] of Object.entries(files) as [NetworkFlavour, string[]][]) {
    for (const path of paths) {
      const text = await guest.readText(path);
      if (text !== null) described.push({ path, flavour, interfaces: describeNetworkFile(flavour, path, text) });
    }
  }
  return described;
}

/**
 * Marks each interface with the domain NIC it lands on: by its own MAC pin, or
 * by the MAC that a rename file (udev rule, `.link`) of the same view gives its
 * name. `domainMacs` are the domain's NIC MACs by index (normalized).
 */
export function markDomainNics(files: NetworkConfigFile[], domainMacs: (string | undefined)[]): NetworkConfigFile[] {
  const macOfName = new Map<string, string>();
  for (const found of files.flatMap((file) => file.interfaces))
    if (found.kind === 'rename' && found.name && found.mac && !macOfName.has(found.name)) macOfName.set(found.name, found.mac);
  return files.map((file) => ({
    ...file,
    interfaces: file.interfaces.map((found) => {
      const mac = found.mac ?? (found.name ? macOfName.get(found.name) : undefined);
      const nic = mac ? domainMacs.indexOf(mac) : -1;
      return nic >= 0 ? { ...found, kvmNic: nic } : found;
    }),
  }));
}
