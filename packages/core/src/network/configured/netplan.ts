/**
 * netplan YAML: `network.{ethernets,bonds,bridges,vlans}.<id>` with `match:`
 * / `set-name:` pins, `dhcp4`/`dhcp6`, `addresses`, `gateway4`/`gateway6`
 * or default `routes`, and `nameservers`.
 */
import { parse } from 'yaml';
import { normalizeMac } from '../nic-binding.js';
import { addUnique, configuredInterface, isRealGateway, type ConfiguredInterface } from './types.js';

const SECTIONS: [string, ConfiguredInterface['kind']][] = [
  ['ethernets', 'ethernet'],
  ['bonds', 'bond'],
  ['bridges', 'bridge'],
  ['vlans', 'vlan'],
];

type Node = Record<string, unknown>;

function isRecord(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** netplan booleans: `true`, `yes`, `on` (YAML 1.1 spellings netplan accepts). */
function truthy(value: unknown): boolean {
  return value === true || (typeof value === 'string' && ['true', 'yes', 'on', 'y'].includes(value.toLowerCase()));
}

function strings(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => (typeof item === 'string' ? [item] : isRecord(item) ? Object.keys(item) : []));
  return typeof value === 'string' ? [value] : [];
}

const DEFAULT_ROUTES = new Set(['default', '0.0.0.0/0', '::/0']);

function describeEntry(id: string, entry: Node, kind: ConfiguredInterface['kind']): ConfiguredInterface {
  const match = isRecord(entry.match) ? entry.match : undefined;
  const setName = typeof entry['set-name'] === 'string' ? entry['set-name'] : undefined;
  const matchName = typeof match?.name === 'string' && !/[*?[]/.test(match.name) ? match.name : undefined;
  const name = setName ?? (match ? matchName : id);
  const mac = normalizeMac(typeof match?.macaddress === 'string' ? match.macaddress : typeof entry.macaddress === 'string' ? entry.macaddress : undefined);
  const found = configuredInterface({ kind, dhcp4: truthy(entry.dhcp4), dhcp6: truthy(entry.dhcp6) || truthy(entry['accept-ra']) });
  if (name) found.name = name;
  if (mac) found.mac = mac;
  addUnique(found.addresses, strings(entry.addresses));
  addUnique(
    found.gateways,
    [entry.gateway4, entry.gateway6].filter((gateway): gateway is string => typeof gateway === 'string' && isRealGateway(gateway)),
  );
  for (const route of Array.isArray(entry.routes) ? entry.routes : []) {
    if (isRecord(route) && typeof route.via === 'string' && DEFAULT_ROUTES.has(String(route.to))) addUnique(found.gateways, [route.via]);
  }
  const nameservers = isRecord(entry.nameservers) ? entry.nameservers : {};
  addUnique(found.dns, strings(nameservers.addresses));
  addUnique(found.search, strings(nameservers.search));
  return found;
}

/** The interfaces of one netplan file; throws on YAML that does not parse. */
export function describeNetplan(text: string): ConfiguredInterface[] {
  const document: unknown = parse(text);
  const network = isRecord(document) && isRecord(document.network) ? document.network : undefined;
  if (!network) return [];
  const found: ConfiguredInterface[] = [];
  for (const [section, kind] of SECTIONS) {
    const entries = network[section];
    if (!isRecord(entries)) continue;
    for (const [id, entry] of Object.entries(entries)) if (isRecord(entry)) found.push(describeEntry(id, entry, kind));
  }
  return found;
}
