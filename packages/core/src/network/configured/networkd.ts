/**
 * systemd-networkd `.network` files: `[Match] Name=`/`MACAddress=`,
 * `[Network] DHCP=`, `Address=`, `Gateway=`, `DNS=`, `Domains=`, plus
 * `[Address]` and default `[Route]` sections. `.link` files only name a NIC
 * (`[Match] MACAddress=` → `[Link] Name=`): they are renames.
 */
import { normalizeMac } from '../nic-binding.js';
import { iniEntries, iniValue, iniValues, type IniEntry } from './ini-sections.js';
import { addUnique, configuredInterface, isRealGateway, listWords, type ConfiguredInterface } from './types.js';

/** A single name without globs, which is what pins a NIC. */
function literalName(value: string | undefined): string | undefined {
  const words = listWords(value);
  return words.length === 1 && !/[*?[]/.test(words[0]!) ? words[0] : undefined;
}

function pinOf(entries: IniEntry[], found: ConfiguredInterface, nameSection: string, nameKey: string): void {
  const name = literalName(iniValue(entries, nameSection, nameKey));
  if (name) found.name = name;
  const mac = normalizeMac(listWords(iniValue(entries, 'Match', 'MACAddress') ?? iniValue(entries, 'Match', 'PermanentMACAddress'))[0]);
  if (mac) found.mac = mac;
}

const DEFAULT_DESTINATIONS = new Set(['0.0.0.0/0', '::/0']);

/** Gateways of `[Route]` sections without a destination (or a default one). */
function defaultRouteGateways(entries: IniEntry[]): string[] {
  const blocks = new Map<number, IniEntry[]>();
  for (const entry of entries.filter((item) => item.section === 'Route')) blocks.set(entry.block, [...(blocks.get(entry.block) ?? []), entry]);
  return [...blocks.values()].flatMap((block) => {
    const destination = block.find((entry) => entry.key === 'Destination')?.value;
    return destination === undefined || DEFAULT_DESTINATIONS.has(destination)
      ? block.filter((entry) => entry.key === 'Gateway').map((entry) => entry.value)
      : [];
  });
}

export function describeNetworkd(text: string, path: string): ConfiguredInterface[] {
  const entries = iniEntries(text);
  if (path.endsWith('.netdev')) return [];
  if (path.endsWith('.link')) {
    const found = configuredInterface({ kind: 'rename' });
    pinOf(entries, found, 'Link', 'Name');
    return found.name || found.mac ? [found] : [];
  }
  const found = configuredInterface();
  pinOf(entries, found, 'Match', 'Name');
  if (found.name === 'lo') return [];
  const dhcp = (iniValue(entries, 'Network', 'DHCP') ?? 'no').toLowerCase();
  found.dhcp4 = ['yes', 'true', 'ipv4', 'both'].includes(dhcp);
  found.dhcp6 = ['yes', 'true', 'ipv6', 'both'].includes(dhcp) || iniValue(entries, 'Network', 'IPv6AcceptRA') === 'yes';
  addUnique(found.addresses, [...iniValues(entries, 'Network', 'Address'), ...iniValues(entries, 'Address', 'Address')].flatMap(listWords));
  addUnique(found.gateways, [...iniValues(entries, 'Network', 'Gateway'), ...defaultRouteGateways(entries)].filter(isRealGateway));
  addUnique(found.dns, iniValues(entries, 'Network', 'DNS').flatMap(listWords));
  addUnique(
    found.search,
    iniValues(entries, 'Network', 'Domains')
      .flatMap(listWords)
      .map((domain) => domain.replace(/^~/, ''))
      .filter((domain) => domain !== '.'),
  );
  return [found];
}
