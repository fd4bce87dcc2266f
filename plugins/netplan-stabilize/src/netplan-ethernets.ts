/**
 * Reads the `network.ethernets` entries of one netplan file and rewrites
 * their NIC pins (`match:` and `set-name:`) in place. The file is parsed with
 * the `yaml` Document API and edited by splicing the source text at node
 * ranges, so comments, order, quoting and indentation stay byte for byte.
 */
import { isMap, isScalar, parseDocument, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { isPhysicalInterfaceName, macInStyleOf, normalizeMac, type InterfacePin } from '@hyper2kvm/core';

/** Drivers of hypervisor NICs that a `match: driver:` may name; none exists on KVM. */
const FOREIGN_DRIVERS = new Set(['vmxnet3', 'vmxnet', 'e1000', 'e1000e', 'pcnet32', 'hv_netvsc', 'netvsc', 'vmbus']);

/** One entry under `network.ethernets`, as it pins its NIC. */
export interface NetplanEthernet {
  id: string;
  /** The id is the interface name (no `match:`). */
  idIsName: boolean;
  setName?: string;
  match: { macaddress?: string; name?: string; driver?: string } | undefined;
  /** What binds this entry to VMware hardware; `{}` when nothing does. */
  pin: InterfacePin;
}

/** How an entry is to be bound on KVM. */
export type EthernetRebinding = { id: string } & ({ by: 'mac'; mac: string; keepName?: string } | { by: 'driver' });

function scalarText(source: string, node: unknown): string | undefined {
  if (!isScalar(node) || !node.range) return undefined;
  return source.slice(node.range[0], node.range[1]).replace(/^(["'])(.*)\1$/s, '$2');
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((item) => isScalar(item.key) && item.key.value === key);
}

function ethernetsOf(source: string): YAMLMap | undefined {
  const document = parseDocument(source, { keepSourceTokens: false });
  const ethernets = document.getIn(['network', 'ethernets'], true);
  return isMap(ethernets) ? ethernets : undefined;
}

function describe(source: string, pair: Pair): NetplanEthernet | undefined {
  if (!isScalar(pair.key) || !isMap(pair.value)) return undefined;
  const id = String(pair.key.value);
  const entry = pair.value;
  const matchNode = pairOf(entry, 'match')?.value;
  const match = isMap(matchNode)
    ? {
        ...(scalarText(source, pairOf(matchNode, 'macaddress')?.value) ? { macaddress: scalarText(source, pairOf(matchNode, 'macaddress')?.value)! } : {}),
        ...(scalarText(source, pairOf(matchNode, 'name')?.value) ? { name: scalarText(source, pairOf(matchNode, 'name')?.value)! } : {}),
        ...(scalarText(source, pairOf(matchNode, 'driver')?.value) ? { driver: scalarText(source, pairOf(matchNode, 'driver')?.value)! } : {}),
      }
    : undefined;
  const setName = scalarText(source, pairOf(entry, 'set-name')?.value);
  const literalName = match?.name !== undefined && isPhysicalInterfaceName(match.name) ? match.name : undefined;
  const name = setName ?? (match === undefined ? (isPhysicalInterfaceName(id) ? id : undefined) : literalName);
  const foreignDriver = match?.driver !== undefined && FOREIGN_DRIVERS.has(match.driver);
  const mac = normalizeMac(match?.macaddress);
  const pin: InterfacePin = { ...(name ? { name } : foreignDriver ? { name: id } : {}), ...(mac ? { mac } : {}) };
  return { id, idIsName: match === undefined, ...(setName ? { setName } : {}), match, pin };
}

/** The ethernets of a netplan file; `[]` when it has none or does not parse. */
export function findEthernets(source: string): NetplanEthernet[] {
  const ethernets = ethernetsOf(source);
  if (!ethernets) return [];
  return ethernets.items.flatMap((pair) => describe(source, pair) ?? []);
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Column of an offset: characters since the previous newline. */
function columnOf(source: string, offset: number): number {
  return offset - (source.lastIndexOf('\n', offset - 1) + 1);
}

/** The match keys after rebinding, as `key → source text of the value`. */
function reboundMatch(source: string, matchNode: YAMLMap | undefined, rebinding: EthernetRebinding): [string, string][] {
  const kept: [string, string][] = [];
  for (const item of matchNode?.items ?? []) {
    const key = isScalar(item.key) ? String(item.key.value) : '';
    const value = item.value as Scalar | null;
    const text = value?.range ? source.slice(value.range[0], value.range[1]) : '';
    if (key === 'macaddress' || key === 'name') continue;
    if (key === 'driver' && (rebinding.by === 'driver' || FOREIGN_DRIVERS.has(text.replace(/^(["'])(.*)\1$/s, '$2')))) continue;
    kept.push([key, text]);
  }
  if (rebinding.by === 'mac') {
    const old = matchNode ? (pairOf(matchNode, 'macaddress')?.value as Scalar | undefined) : undefined;
    const quote = old?.range ? (/^["']/.exec(source.slice(old.range[0], old.range[1]))?.[0] ?? '') : '';
    const written = macInStyleOf(rebinding.mac, old?.range ? source.slice(old.range[0], old.range[1]) : '');
    kept.unshift(['macaddress', `${quote}${written}${quote}`]);
  } else {
    kept.unshift(['driver', 'virtio_net']);
  }
  return kept;
}

function renderFlow(pairs: [string, string][]): string {
  return `{${pairs.map(([key, value]) => `${key}: ${value}`).join(', ')}}`;
}

/** Splices that rebind one entry; none when it is already bound that way. */
function rebindEntry(source: string, pair: Pair, entry: NetplanEthernet, rebinding: EthernetRebinding): Splice[] {
  const map = pair.value as YAMLMap;
  const matchPair = pairOf(map, 'match');
  const matchNode = isMap(matchPair?.value) ? matchPair.value : undefined;
  const match = reboundMatch(source, matchNode, rebinding);
  // The name the interface had stays its name on KVM (bonds, VLANs, firewalls may use it).
  const wantedSetName = rebinding.by === 'mac' ? (entry.setName ?? (entry.idIsName || entry.match?.name ? rebinding.keepName : undefined)) : entry.setName;
  const addSetName = wantedSetName !== undefined && entry.setName === undefined;
  const alreadyBound =
    rebinding.by === 'mac' &&
    normalizeMac(entry.match?.macaddress) === normalizeMac(rebinding.mac) &&
    entry.match?.name === undefined &&
    !FOREIGN_DRIVERS.has(entry.match?.driver ?? '') &&
    !addSetName;
  if (alreadyBound) return [];

  if (map.flow) {
    const others = map.items
      .filter((item) => item !== matchPair)
      .map((item): [string, string] => [String((item.key as Scalar).value), source.slice((item.value as Scalar).range![0], (item.value as Scalar).range![1])]);
    const head: [string, string][] = [['match', renderFlow(match)], ...(addSetName ? [['set-name', wantedSetName] as [string, string]] : [])];
    const others2 = others.filter(([key]) => !(addSetName && key === 'set-name'));
    return [{ start: map.range![0], end: map.range![1], text: renderFlow([...head, ...others2]) }];
  }

  const first = map.items[0]!;
  const indent = columnOf(source, (first.key as Scalar).range![0]);
  const childIndent = matchNode && !matchNode.flow && matchNode.items[0] ? columnOf(source, (matchNode.items[0].key as Scalar).range![0]) : indent + 2;
  const setNameLine = addSetName ? `${' '.repeat(indent)}set-name: ${wantedSetName}\n` : '';
  if (matchPair && matchNode?.flow) {
    const start = (matchPair.key as Scalar).range![0];
    const end = matchNode.range![1];
    const lineEnd = source.indexOf('\n', end);
    const setNameSplice = addSetName
      ? [{ start: lineEnd === -1 ? source.length : lineEnd + 1, end: lineEnd === -1 ? source.length : lineEnd + 1, text: setNameLine }]
      : [];
    return [{ start, end, text: `match: ${renderFlow(match)}` }, ...setNameSplice];
  }
  const block = `match:\n${match.map(([key, value]) => `${' '.repeat(childIndent)}${key}: ${value}\n`).join('')}`;
  if (matchPair) {
    const start = (matchPair.key as Scalar).range![0];
    const end = matchNode ? matchNode.range![1] : (matchPair.value as Scalar).range![1];
    const ended = source[end - 1] === '\n';
    const text = `${block}${setNameLine}`;
    return [{ start, end, text: ended ? text : text.replace(/\n$/, '') }];
  }
  // No match yet: the new keys go first, at the entry's indentation.
  return [{ start: (first.key as Scalar).range![0], end: (first.key as Scalar).range![0], text: `${block}${setNameLine}${' '.repeat(indent)}` }];
}

/** Applies the rebindings to a netplan file; entries not named are left as they are. */
export function rebindEthernets(source: string, rebindings: EthernetRebinding[]): string {
  const ethernets = ethernetsOf(source);
  if (!ethernets) return source;
  const splices: Splice[] = [];
  for (const pair of ethernets.items) {
    const entry = describe(source, pair);
    const rebinding = rebindings.find((candidate) => candidate.id === entry?.id);
    if (entry && rebinding) splices.push(...rebindEntry(source, pair, entry, rebinding));
  }
  return splices.sort((a, b) => b.start - a.start).reduce((text, splice) => text.slice(0, splice.start) + splice.text + text.slice(splice.end), source);
}
