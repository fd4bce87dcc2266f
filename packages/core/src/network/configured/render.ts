/** Network configuration files for people: one line per file, one per interface under it. */
import type { ConfiguredInterface, NetworkConfigFile } from './types.js';

/** `ens192 (MAC 00:50:56:8a:3c:12): static 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3`. */
export function describeInterface(found: ConfiguredInterface): string {
  const label = found.name ? `${found.name}${found.mac ? ` (MAC ${found.mac})` : ''}` : found.mac ? `MAC ${found.mac}` : 'any NIC';
  const kind = found.kind === 'ethernet' || found.kind === 'rename' ? '' : `${found.kind} `;
  const lands = found.kvmNic === undefined ? '' : ` → KVM NIC ${found.kvmNic + 1}`;
  if (found.kind === 'rename') return `${label}${lands}: named by this file (no addressing)`;
  const modes = [found.dhcp4 ? 'DHCPv4' : undefined, found.dhcp6 ? 'IPv6 auto/DHCPv6' : undefined].filter(Boolean);
  const parts: string[] = [];
  if (found.addresses.length > 0) parts.push(`static ${found.addresses.join(' ')}`);
  if (modes.length > 0) parts.push(modes.join(' + '));
  if (parts.length === 0) parts.push('no address configured');
  if (found.gateways.length > 0) parts.push(`gateway ${found.gateways.join(' ')}`);
  if (found.dns.length > 0) parts.push(`DNS ${found.dns.join(' ')}`);
  if (found.search.length > 0) parts.push(`search ${found.search.join(' ')}`);
  return `${kind}${label}${lands}: ${parts.join(', ')}`;
}

/** Lines for a list of files, each indented by `indent`. */
export function renderNetworkConfigs(files: NetworkConfigFile[], indent = ''): string[] {
  const lines: string[] = [];
  for (const file of files) {
    lines.push(`${indent}${file.path} (${file.flavour})`);
    if (file.interfaces.length === 0) lines.push(`${indent}  configures no interface${file.flavour === 'wicked' ? ' that hyper2kvm reads (wicked XML)' : ''}`);
    for (const found of file.interfaces) lines.push(`${indent}  ${describeInterface(found)}`);
  }
  return lines;
}
