/**
 * Mapping source networks (`VM Network`, `Backup`) to what the NICs attach
 * to on KVM: a libvirt network or a host bridge. Filled from the config's
 * `networks` and `--network-map`, read by the emitters.
 */
import { UsageError } from '../errors.js';

/** What a NIC attaches to on the target. */
export interface NetworkTarget {
  type: 'network' | 'bridge';
  name: string;
}

/** Source network name → target; the key `*` covers every network not named. */
export type NetworkMap = Record<string, NetworkTarget>;

/** Parses a target as the config and the command line write it: `network:NAME`, `bridge:NAME`, or a bare libvirt network name. */
export function parseNetworkTarget(text: string): NetworkTarget {
  const match = /^(?:(network|bridge):)?([^\s:]+)$/.exec(text.trim());
  if (!match) throw new UsageError(`network target ${JSON.stringify(text)}: expected "network:NAME", "bridge:NAME" or a network name`);
  return { type: match[1] === 'bridge' ? 'bridge' : 'network', name: match[2]! };
}

/** Parses `--network-map` values (`SOURCE=TARGET`, repeatable, or several joined with commas) over a base map. */
export function parseNetworkMapArguments(values: string[], base: NetworkMap = {}): NetworkMap {
  const map: NetworkMap = { ...base };
  for (const value of values) {
    for (const pair of value.split(',')) {
      if (pair.trim() === '') continue;
      const equals = pair.lastIndexOf('=');
      if (equals <= 0) throw new UsageError(`--network-map ${JSON.stringify(pair)}: expected SOURCE=TARGET, for example "VM Network=bridge:br0"`);
      map[pair.slice(0, equals).trim()] = parseNetworkTarget(pair.slice(equals + 1));
    }
  }
  return map;
}

/** The target of a NIC on source network `source` (or with none), if the map says. */
export function networkTargetFor(map: NetworkMap, source: string | undefined): NetworkTarget | undefined {
  return (source === undefined ? undefined : map[source]) ?? map['*'];
}
