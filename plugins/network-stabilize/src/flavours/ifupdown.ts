/**
 * ifupdown (`/etc/network/interfaces`, `interfaces.d/*`): NICs are named by
 * `iface`/`auto`/`allow-*` lines and by bond, bridge and VLAN options;
 * `hwaddress ether <MAC>` sets the old VMware MAC on the NIC. Names are kept
 * (a rename keeps them true on KVM); a hypervisor `hwaddress` follows the
 * binding: the domain's MAC, or dropped.
 */
import { isHypervisorMac, isPhysicalInterfaceName, macInStyleOf, type InterfacePin } from '@hyper2kvm/core';
import { editLines, type Flavour, type FoundPin } from '../flavour.js';

/** Options whose values name other interfaces. */
const REFERENCING_OPTIONS = /^\s*(?:bond[-_]slaves|slaves|bond[-_]primary|bridge[-_]ports|vlan[-_]raw[-_]device|vlan[-_]dev)\s+(.*)$/;
const IFACE = /^\s*iface\s+(\S+)/;
const AUTO = /^\s*(?:auto|allow-[\w-]+)\s+(.*)$/;
const HWADDRESS = /^(\s*hwaddress\s+(?:ether\s+)?)(\S+)(.*)$/;
/** Lines that start a new stanza (and end the options of an `iface`). */
const STANZA = /^\s*(?:iface|mapping|auto|allow-[\w-]+|source|source-directory|rename)\b/;

/** The NIC a (VLAN) interface name sits on: `ens192.100` → `ens192`. */
function nicOf(name: string): string | undefined {
  const base = name.split('.')[0]!;
  return isPhysicalInterfaceName(base) ? base : undefined;
}

/** Walks the lines, calling `visit` with the NIC of the `iface` stanza each line belongs to. */
function eachLine(lines: string[], visit: (line: string, nic: string | undefined) => void): void {
  let current: string | undefined;
  for (const line of lines) {
    const iface = IFACE.exec(line);
    if (iface) current = nicOf(iface[1]!);
    else if (STANZA.test(line)) current = undefined;
    visit(line, current);
  }
}

export const ifupdown: Flavour = {
  id: 'ifupdown',
  globs: ['/etc/network/interfaces', '/etc/network/interfaces.d/*'],
  pins(text) {
    const names = new Set<string>();
    const macs = new Map<string, string>();
    eachLine(text.split('\n'), (line, nic) => {
      if (line.trim().startsWith('#')) return;
      const iface = IFACE.exec(line);
      const listed = iface ? [iface[1]!] : (AUTO.exec(line)?.[1] ?? REFERENCING_OPTIONS.exec(line)?.[1] ?? '').split(/\s+/);
      for (const name of listed) if (nicOf(name)) names.add(nicOf(name)!);
      const hwaddress = HWADDRESS.exec(line);
      if (hwaddress && nic && isHypervisorMac(hwaddress[2])) macs.set(nic, hwaddress[2]!);
    });
    return [...names].map((name): FoundPin => ({ name, ...(macs.has(name) ? { mac: macs.get(name)! } : {}) }));
  },
  rebind(text, _path, bindings) {
    return editLines(text, (lines) => {
      const out: string[] = [];
      eachLine(lines, (line, nic) => {
        const hwaddress = HWADDRESS.exec(line);
        if (!hwaddress || !nic || !isHypervisorMac(hwaddress[2])) return void out.push(line);
        const pin: InterfacePin = { name: nic, mac: hwaddress[2]! };
        const binding = bindings.of(pin);
        if (binding.kind === 'mac') out.push(`${hwaddress[1]}${macInStyleOf(binding.mac, hwaddress[2]!)}${hwaddress[3]}`);
        else if (binding.kind !== 'driver') out.push(line); // driver: the line goes, the NIC keeps the MAC KVM gives it
      });
      return out;
    });
  },
};
