/**
 * ifcfg files (RHEL `network-scripts`, SUSE `sysconfig/network`): the NIC is
 * `DEVICE=` or the file name; `HWADDR=` pins it by MAC; `MACADDR=` (RHEL) and
 * `LLADDR=` (SUSE) set a MAC on it. Names and file names are kept; the MAC
 * lines follow the binding: the domain's MAC, or dropped.
 */
import { isHypervisorMac, isPhysicalInterfaceName, macInStyleOf, normalizeMac, type InterfacePin } from '@hyper2kvm/core';
import { editLines, IGNORED_BACKUPS, type Flavour } from '../flavour.js';

const ASSIGNMENT = /^(\s*(\w+)=)(["']?)([^"'\s]*)\3(.*)$/;

function valuesOf(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = ASSIGNMENT.exec(line);
    if (match) values[match[2]!] = match[4]!;
  }
  return values;
}

/** The file's pin: its NIC (base of a VLAN name) and its HWADDR, or a hypervisor MAC it sets. */
function pinOf(text: string, path: string): InterfacePin | undefined {
  const values = valuesOf(text);
  const device = (values['DEVICE'] || path.slice(path.lastIndexOf('/ifcfg-') + '/ifcfg-'.length)).split('.')[0]!;
  const name = isPhysicalInterfaceName(device) ? device : undefined;
  const setMac = [values['MACADDR'], values['LLADDR']].find(isHypervisorMac);
  const mac = normalizeMac(values['HWADDR']) ?? normalizeMac(setMac);
  if (!name && !mac) return undefined;
  return { ...(name ? { name } : {}), ...(mac ? { mac } : {}) };
}

export const ifcfg: Flavour = {
  id: 'ifcfg',
  globs: ['/etc/sysconfig/network-scripts/ifcfg-*', '/etc/sysconfig/network/ifcfg-*'],
  ignores: IGNORED_BACKUPS,
  pins(text, path) {
    const pin = pinOf(text, path);
    return pin ? [pin] : [];
  },
  rebind(text, path, bindings) {
    const pin = pinOf(text, path);
    if (!pin) return text;
    const binding = bindings.of(pin);
    if (binding.kind !== 'mac' && binding.kind !== 'driver') return text;
    return editLines(text, (lines) =>
      lines.flatMap((line) => {
        const match = ASSIGNMENT.exec(line);
        const pinsMac =
          match &&
          (match[2] === 'HWADDR' ? normalizeMac(match[4]) !== undefined : (match[2] === 'MACADDR' || match[2] === 'LLADDR') && isHypervisorMac(match[4]));
        if (!match || !pinsMac) return [line];
        if (binding.kind === 'driver') return [];
        return [`${match[1]}${match[3]}${macInStyleOf(binding.mac, match[4]!)}${match[3]}${match[5]}`];
      }),
    );
  },
};
