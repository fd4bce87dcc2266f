/** Static IPv4 configuration of the old adapters, read from Tcpip `Interfaces\{GUID}`. */
import type { GuestView, RegistryValue } from '@hyper2kvm/core';

export interface StaticInterface {
  /** The old adapter's interface GUID. */
  guid: string;
  addresses: { ip: string; mask: string }[];
  gateways: string[];
  dns: string[];
}

function list(value: RegistryValue | null): string[] {
  if (!value) return [];
  const items = value.type === 'REG_MULTI_SZ' ? value.data : value.type === 'REG_SZ' || value.type === 'REG_EXPAND_SZ' ? value.data.split(/[\s,]+/) : [];
  return items.map((item) => item.trim()).filter((item) => item !== '' && item !== '0.0.0.0');
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Interfaces with EnableDHCP = 0 and at least one address; DHCP interfaces are left out (they stay DHCP). */
export async function captureStaticInterfaces(guest: Pick<GuestView, 'registryValue' | 'registrySubkeys'>, controlSet: string): Promise<StaticInterface[]> {
  const base = `${controlSet}\\Services\\Tcpip\\Parameters\\Interfaces`;
  const result: StaticInterface[] = [];
  for (const guid of (await guest.registrySubkeys('SYSTEM', base)) ?? []) {
    const key = `${base}\\${guid}`;
    const value = (name: string) => guest.registryValue('SYSTEM', key, name);
    const dhcp = await value('EnableDHCP');
    if (dhcp?.type !== 'REG_DWORD' || dhcp.data !== 0) continue;
    const ips = list(await value('IPAddress'));
    const masks = list(await value('SubnetMask'));
    const addresses = ips.map((ip, index) => ({ ip, mask: masks[index] ?? '255.255.255.0' })).filter(({ ip, mask }) => IPV4.test(ip) && IPV4.test(mask));
    if (addresses.length === 0) continue;
    result.push({
      guid,
      addresses,
      gateways: list(await value('DefaultGateway')).filter((ip) => IPV4.test(ip)),
      dns: list(await value('NameServer')).filter((ip) => IPV4.test(ip)),
    });
  }
  return result;
}
