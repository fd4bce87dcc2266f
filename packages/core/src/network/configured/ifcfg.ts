/**
 * ifcfg files (`/etc/sysconfig/network-scripts/ifcfg-*` on RHEL,
 * `/etc/sysconfig/network/ifcfg-*` on SUSE): shell assignments. The name is
 * `DEVICE=` (or the file name's suffix), the MAC `HWADDR=`/`MACADDR=`
 * (`LLADDR=` on SUSE), addressing `BOOTPROTO=` with `IPADDR[n]`, `PREFIX[n]`
 * or `NETMASK[n]`, `GATEWAY`, `DNSn`, `DOMAIN` and the `IPV6*` keys.
 */
import { parseShellAssignments } from '../../inspect/os-release.js';
import { normalizeMac } from '../nic-binding.js';
import { addUnique, configuredInterface, isRealGateway, listWords, withPrefix, type ConfiguredInterface } from './types.js';

function kindOf(values: Record<string, string>): ConfiguredInterface['kind'] {
  const type = (values.TYPE ?? '').toLowerCase();
  if (type === 'bond' || values.BONDING_OPTS || values.BONDING_MASTER === 'yes') return 'bond';
  if (type === 'bridge') return 'bridge';
  if (type === 'vlan' || values.VLAN === 'yes' || values.ETHERDEVICE) return 'vlan';
  return type === '' || type === 'ethernet' ? 'ethernet' : 'other';
}

export function describeIfcfg(text: string, path: string): ConfiguredInterface[] {
  const values = parseShellAssignments(text);
  const name =
    values.DEVICE ??
    values.NAME ??
    path
      .split('/')
      .pop()!
      .replace(/^ifcfg-/, '');
  if (name === 'lo') return [];
  const bootproto = (values.BOOTPROTO ?? '').toLowerCase();
  const found = configuredInterface({
    name,
    kind: kindOf(values),
    dhcp4: bootproto === 'dhcp' || bootproto === 'dhcp4' || bootproto === 'dhcp+autoip',
    dhcp6: bootproto === 'dhcp6' || values.DHCPV6C === 'yes' || (values.IPV6INIT === 'yes' && values.IPV6_AUTOCONF !== 'no' && !values.IPV6ADDR),
  });
  const mac = normalizeMac(values.HWADDR ?? values.MACADDR ?? values.LLADDR);
  if (mac) found.mac = mac;
  // IPADDR, IPADDR0, IPADDR1 … (RHEL) and IPADDR_x (SUSE labels), each with its PREFIX/NETMASK.
  for (const key of Object.keys(values).filter((key) => /^IPADDR(?:\d+|_\w+)?$/.test(key))) {
    const suffix = key.slice('IPADDR'.length);
    if (values[key])
      addUnique(found.addresses, [withPrefix(values[key]!, values[`PREFIX${suffix}`] ?? values[`PREFIXLEN${suffix}`] ?? values[`NETMASK${suffix}`])]);
  }
  addUnique(
    found.addresses,
    [values.IPV6ADDR, ...listWords(values.IPV6ADDR_SECONDARIES)].filter((address): address is string => !!address),
  );
  addUnique(found.gateways, [values.GATEWAY, values.IPV6_DEFAULTGW?.split('%')[0]].filter(isRealGateway));
  addUnique(
    found.dns,
    Object.keys(values)
      .filter((key) => /^DNS\d+$/.test(key))
      .sort()
      .map((key) => values[key]!)
      .filter((server) => server !== ''),
  );
  addUnique(found.search, listWords(values.DOMAIN));
  return [found];
}
