/**
 * NetworkManager keyfiles: an ethernet connection pins its NIC by
 * `interface-name=` ([connection]) and `mac-address=` ([ethernet]);
 * `cloned-mac-address=` sets a MAC; a VLAN names its NIC by `parent=`.
 * Names are kept; the MAC keys follow the binding: the domain's MAC, or dropped.
 */
import { isHypervisorMac, isPhysicalInterfaceName, macInStyleOf, normalizeMac, type InterfacePin } from '@hyper2kvm/core';
import { editLines, IGNORED_BACKUPS, type Flavour } from '../flavour.js';

const SECTION = /^\s*\[([^\]]+)\]\s*$/;
const KEY = /^(\s*([\w.-]+)\s*=\s*)(.*?)(\s*)$/;
const ETHERNET_SECTIONS = new Set(['ethernet', '802-3-ethernet']);
const ETHERNET_TYPES = new Set(['ethernet', '802-3-ethernet']);

/** Calls `visit` with the section of each line. */
function eachLine(lines: string[], visit: (line: string, section: string) => void): void {
  let section = '';
  for (const line of lines) {
    section = SECTION.exec(line)?.[1]?.trim() ?? section;
    visit(line, section);
  }
}

function keysOf(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  eachLine(text.split('\n'), (line, section) => {
    const match = KEY.exec(line);
    if (match && !line.trim().startsWith('#')) keys.set(`${section}.${match[2]}`, match[3]!);
  });
  return keys;
}

function pinOf(text: string): InterfacePin | undefined {
  const keys = keysOf(text);
  const type = keys.get('connection.type') ?? '';
  if (type === 'vlan') {
    const parent = keys.get('vlan.parent');
    return parent && isPhysicalInterfaceName(parent) ? { name: parent } : undefined;
  }
  if (!ETHERNET_TYPES.has(type)) return undefined;
  const name = keys.get('connection.interface-name');
  const ethernet = [...ETHERNET_SECTIONS].map((section) => [keys.get(`${section}.mac-address`), keys.get(`${section}.cloned-mac-address`)]).flat();
  const mac = normalizeMac(ethernet[0] ?? ethernet[2]) ?? normalizeMac([ethernet[1], ethernet[3]].find(isHypervisorMac));
  const physical = name && isPhysicalInterfaceName(name) ? name : undefined;
  if (!physical && !mac) return undefined;
  return { ...(physical ? { name: physical } : {}), ...(mac ? { mac } : {}) };
}

export const networkManagerKeyfile: Flavour = {
  id: 'networkmanager',
  globs: ['/etc/NetworkManager/system-connections/*'],
  ignores: IGNORED_BACKUPS,
  pins(text) {
    const pin = pinOf(text);
    return pin ? [pin] : [];
  },
  rebind(text, _path, bindings) {
    const pin = pinOf(text);
    const binding = pin ? bindings.of(pin) : undefined;
    if (binding?.kind !== 'mac' && binding?.kind !== 'driver') return text;
    return editLines(text, (lines) => {
      const out: string[] = [];
      eachLine(lines, (line, section) => {
        const match = KEY.exec(line);
        const pinsMac =
          match &&
          ETHERNET_SECTIONS.has(section) &&
          (match[2] === 'mac-address' ? normalizeMac(match[3]) !== undefined : match[2] === 'cloned-mac-address' && isHypervisorMac(match[3]));
        if (!match || !pinsMac) out.push(line);
        else if (binding.kind === 'mac') out.push(`${match[1]}${macInStyleOf(binding.mac, match[3]!)}${match[4]}`);
      });
      return out;
    });
  },
};
