/**
 * `70-persistent-net.rules`: each `SUBSYSTEM=="net"` rule names the NIC with
 * a given MAC (`ATTR{address}==`) by `NAME=`. It only renames; it addresses nothing.
 */
import { normalizeMac } from '../nic-binding.js';
import { configuredInterface, type ConfiguredInterface } from './types.js';

const ADDRESS = /ATTRS?\{address\}=="([^"]+)"/;
const NAME = /(?:^|,)\s*NAME:?="([^"]+)"/;

export function describeUdevRules(text: string): ConfiguredInterface[] {
  const found: ConfiguredInterface[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || !line.includes('SUBSYSTEM=="net"')) continue;
    const name = NAME.exec(line)?.[1];
    const mac = normalizeMac(ADDRESS.exec(line)?.[1]);
    if (name || mac) found.push(configuredInterface({ kind: 'rename', ...(name ? { name } : {}), ...(mac ? { mac } : {}) }));
  }
  return found;
}
