/**
 * ifupdown (`/etc/network/interfaces`, `interfaces.d/*`): `iface NAME inet
 * METHOD` / `inet6 METHOD` stanzas with `address` (CIDR or with `netmask`),
 * `gateway`, `dns-nameservers`, `dns-search` and `hwaddress` options. The
 * inet and inet6 stanzas of one name are one interface.
 */
import { normalizeMac } from '../nic-binding.js';
import { addUnique, configuredInterface, isRealGateway, listWords, withPrefix, type ConfiguredInterface } from './types.js';

const IFACE = /^iface\s+(\S+)\s+(inet6?)\s+(\S+)/;
/** Lines that end the options of the current `iface`. */
const STANZA = /^(?:iface|mapping|auto|allow-[\w-]+|source|source-directory|rename)\b/;

function kindOf(name: string, options: Map<string, string>): ConfiguredInterface['kind'] {
  if ([...options.keys()].some((key) => /^bond[-_](?:slaves|mode)$/.test(key))) return 'bond';
  if (options.has('bridge_ports') || options.has('bridge-ports')) return 'bridge';
  if (name.includes('.') || options.has('vlan-raw-device') || options.has('vlan_raw_device')) return 'vlan';
  return 'ethernet';
}

export function describeIfupdown(text: string): ConfiguredInterface[] {
  const byName = new Map<string, ConfiguredInterface>();
  let current: { found: ConfiguredInterface; netmask?: string; address?: string; options: Map<string, string> } | undefined;
  const finish = (): void => {
    if (!current) return;
    const { found, address, netmask, options } = current;
    if (address) addUnique(found.addresses, [withPrefix(address, netmask)]);
    if (found.kind === 'ethernet') found.kind = kindOf(found.name!, options);
    current = undefined;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const iface = IFACE.exec(line);
    if (iface || STANZA.test(line)) finish();
    if (iface) {
      const [, name, family, method] = iface;
      if (name === 'lo') continue;
      const found = byName.get(name!) ?? configuredInterface({ name: name! });
      byName.set(name!, found);
      if (method === 'dhcp' && family === 'inet') found.dhcp4 = true;
      if ((method === 'dhcp' || method === 'auto') && family === 'inet6') found.dhcp6 = true;
      current = { found, options: new Map() };
      continue;
    }
    if (!current) continue;
    const [key, ...rest] = line.split(/\s+/);
    const value = rest.join(' ');
    current.options.set(key!, value);
    if (key === 'address') current.address = value;
    else if (key === 'netmask') current.netmask = value;
    else if (key === 'gateway' && isRealGateway(value)) addUnique(current.found.gateways, [value]);
    else if (key === 'dns-nameservers') addUnique(current.found.dns, listWords(value));
    else if (key === 'dns-search' || key === 'dns-domain') addUnique(current.found.search, listWords(value));
    else if (key === 'hwaddress') {
      const mac = normalizeMac(value.replace(/^ether\s+/, ''));
      if (mac) current.found.mac = mac;
    }
  }
  finish();
  return [...byName.values()];
}
