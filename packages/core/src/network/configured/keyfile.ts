/**
 * NetworkManager keyfiles: `[connection] interface-name=` and `type=`,
 * `[ethernet] mac-address=`, `[ipv4]`/`[ipv6]` with `method=` (`auto` is
 * DHCP / router advertisements, `manual` static), `addressN=ADDR/P[,GW]`,
 * `gateway=`, `dns=` and `dns-search=` (lists separated by `;`).
 */
import { normalizeMac } from '../nic-binding.js';
import { iniEntries, iniValue, type IniEntry } from './ini-sections.js';
import { addUnique, configuredInterface, isRealGateway, listWords, type ConfiguredInterface } from './types.js';

const ETHERNET = ['ethernet', '802-3-ethernet'];
const KINDS: Record<string, ConfiguredInterface['kind']> = {
  ethernet: 'ethernet',
  '802-3-ethernet': 'ethernet',
  bond: 'bond',
  bridge: 'bridge',
  vlan: 'vlan',
};

function addressing(entries: IniEntry[], family: 'ipv4' | 'ipv6', found: ConfiguredInterface): void {
  const method = iniValue(entries, family, 'method') ?? (family === 'ipv4' ? 'auto' : 'ignore');
  if (method === 'auto' || method === 'dhcp') found[family === 'ipv4' ? 'dhcp4' : 'dhcp6'] = true;
  for (const entry of entries.filter((item) => item.section === family && /^(?:address|addresses)\d*$/.test(item.key))) {
    for (const item of entry.value.split(';').filter((part) => part.trim() !== '')) {
      const [address, gateway] = item.split(',').map((part) => part.trim());
      if (address) addUnique(found.addresses, [address]);
      if (isRealGateway(gateway)) addUnique(found.gateways, [gateway]);
    }
  }
  const gateway = iniValue(entries, family, 'gateway');
  if (isRealGateway(gateway)) addUnique(found.gateways, [gateway]);
  addUnique(found.dns, listWords(iniValue(entries, family, 'dns')));
  addUnique(found.search, listWords(iniValue(entries, family, 'dns-search')));
}

export function describeKeyfile(text: string): ConfiguredInterface[] {
  const entries = iniEntries(text);
  const type = iniValue(entries, 'connection', 'type') ?? '';
  if (type === 'loopback') return [];
  const found = configuredInterface({ kind: KINDS[type] ?? 'other' });
  const name = iniValue(entries, 'connection', 'interface-name') ?? (type === 'vlan' ? iniValue(entries, 'vlan', 'parent') : undefined);
  if (name) found.name = name;
  const mac = normalizeMac(iniValue(entries, ETHERNET, 'mac-address') ?? iniValue(entries, ETHERNET, 'cloned-mac-address'));
  if (mac) found.mac = mac;
  addressing(entries, 'ipv4', found);
  addressing(entries, 'ipv6', found);
  return [found];
}
