/**
 * systemd-networkd: a `.network` file pins its NIC by `[Match] Name=` and
 * `MACAddress=`; a `.link` file renames a NIC matched by `MACAddress=`,
 * `Path=` (a VMware PCI slot) or `OriginalName=` to `[Link] Name=`. Names are
 * kept (a guest `.link` keeps renaming, re-matched to the KVM NIC); MAC
 * matches follow the binding: the domain's MAC, or the virtio_net driver.
 */
import { isPhysicalInterfaceName, macInStyleOf, normalizeMac, type InterfacePin, type NicBinding } from '@hyper2kvm/core';
import { editLines, type BindingLookup, type Flavour, type FoundPin } from '../flavour.js';

const SECTION = /^\s*\[([^\]]+)\]\s*$/;
const KEY = /^(\s*(\w+)\s*=\s*)(.*?)(\s*)$/;
const MAC_KEYS = new Set(['MACAddress', 'PermanentMACAddress']);
/** `.link` match keys that name VMware hardware. */
const HARDWARE_KEYS = new Set(['MACAddress', 'PermanentMACAddress', 'Path', 'OriginalName']);
const DRIVER_MATCH = 'Driver=virtio_net';

/** The `[Match]` and `[Link]` keys of a file (first value of each). */
function keysOf(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  let section = '';
  for (const line of text.split('\n')) {
    section = SECTION.exec(line)?.[1]?.trim() ?? section;
    const match = KEY.exec(line);
    if (match && !line.trim().startsWith('#') && !keys.has(`${section}.${match[2]}`)) keys.set(`${section}.${match[2]}`, match[3]!);
  }
  return keys;
}

function linkPin(text: string): FoundPin | undefined {
  const keys = keysOf(text);
  const name = keys.get('Link.Name');
  const hardware = [...HARDWARE_KEYS].some((key) => keys.has(`Match.${key}`));
  if (!name || !hardware) return undefined;
  const mac = normalizeMac(keys.get('Match.MACAddress') ?? keys.get('Match.PermanentMACAddress'));
  return { name, ...(mac ? { mac } : {}), renames: 'always' };
}

function networkPins(text: string): InterfacePin[] {
  const keys = keysOf(text);
  const names = (keys.get('Match.Name') ?? '').split(/\s+/).filter(isPhysicalInterfaceName);
  const macs = [...MAC_KEYS].flatMap((key) => (keys.get(`Match.${key}`) ?? '').split(/\s+/)).flatMap((mac) => normalizeMac(mac) ?? []);
  if (names.length === 1 && macs.length === 1) return [{ name: names[0]!, mac: macs[0]! }];
  return [...names.map((name) => ({ name })), ...macs.map((mac) => ({ mac }))];
}

/** Rewrites the `[Match]` lines that `rewrite` handles; the others stay. */
function editMatch(text: string, rewrite: (key: string, value: string, line: RegExpExecArray) => string[] | undefined): string {
  return editLines(text, (lines) => {
    let section = '';
    return lines.flatMap((line) => {
      section = SECTION.exec(line)?.[1]?.trim() ?? section;
      const match = KEY.exec(line);
      if (section !== 'Match' || !match || line.trim().startsWith('#')) return [line];
      return rewrite(match[2]!, match[3]!, match) ?? [line];
    });
  });
}

function rebindNetwork(text: string, bindings: BindingLookup): string {
  const names = (keysOf(text).get('Match.Name') ?? '').split(/\s+/).filter(isPhysicalInterfaceName);
  return editMatch(text, (key, value, line) => {
    if (!MAC_KEYS.has(key)) return undefined;
    let dropped = false;
    const macs = value.split(/\s+/).flatMap((mac) => {
      const binding = bindings.of({ ...(names.length === 1 ? { name: names[0]! } : {}), mac });
      if (binding.kind === 'mac') return [macInStyleOf(binding.mac, mac)];
      if (binding.kind === 'driver') return ((dropped = true), []);
      return [mac];
    });
    if (macs.length > 0) return [`${line[1]}${macs.join(' ')}${line[4]}`];
    // No MAC left: match the virtio NIC instead, so the file does not match every interface.
    return dropped && !/^\s*Driver\s*=/m.test(text) ? [DRIVER_MATCH] : [];
  });
}

function rebindLink(text: string, binding: NicBinding): string {
  if (binding.kind !== 'mac' && binding.kind !== 'driver') return text;
  let replaced = false;
  return editMatch(text, (key, value, line) => {
    if (!HARDWARE_KEYS.has(key) && !(key === 'Driver' && binding.kind === 'mac')) return undefined;
    if (replaced) return [];
    replaced = true;
    return [binding.kind === 'mac' ? `MACAddress=${key === 'MACAddress' ? macInStyleOf(binding.mac, value) : binding.mac}${line[4]}` : DRIVER_MATCH];
  });
}

export const systemdNetworkd: Flavour = {
  id: 'systemd-networkd',
  globs: ['/etc/systemd/network/*.network', '/etc/systemd/network/*.link'],
  pins(text, path) {
    if (path.endsWith('.link')) {
      const pin = linkPin(text);
      return pin ? [pin] : [];
    }
    return networkPins(text);
  },
  rebind(text, path, bindings) {
    if (path.endsWith('.link')) {
      const pin = linkPin(text);
      return pin ? rebindLink(text, bindings.of(pin)) : text;
    }
    return rebindNetwork(text, bindings);
  },
};
