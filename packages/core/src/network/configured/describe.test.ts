import { describe, expect, it } from 'vitest';
import { describeNetworkFile, markDomainNics } from './describe.js';
import { describeInterface } from './render.js';
import { prefixOfNetmask, withPrefix } from './types.js';

describe('netplan', () => {
  it('reads a cloud-init rendered file: MAC match, set-name, DHCP', () => {
    const text = `# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.
network:
    ethernets:
        ens5:
            dhcp4: true
            dhcp6: false
            match:
                macaddress: 0a:1b:2c:3d:4e:5f
            set-name: ens5
    version: 2
`;
    expect(describeNetworkFile('netplan', '/etc/netplan/50-cloud-init.yaml', text)).toEqual([
      { kind: 'ethernet', name: 'ens5', mac: '0a:1b:2c:3d:4e:5f', dhcp4: true, dhcp6: false, addresses: [], gateways: [], dns: [], search: [] },
    ]);
  });

  it('reads static addresses, gateway4 and default routes, nameservers, bonds and VLANs', () => {
    const text = `network:
  version: 2
  ethernets:
    ens192:
      addresses: [10.1.2.3/24, "fd00::3/64"]
      gateway4: 10.1.2.1
      routes:
        - to: default
          via: fd00::1
        - to: 192.168.0.0/16
          via: 10.1.2.254
      nameservers:
        addresses: [10.1.2.53]
        search: [corp.example]
    ens224: { dhcp4: yes }
  bonds:
    bond0:
      interfaces: [ens256]
      addresses:
        - 10.9.0.2/24:
            label: bond0:a
  vlans:
    vlan100: { id: 100, link: ens192, addresses: [10.100.0.2/24] }
`;
    const found = describeNetworkFile('netplan', '/etc/netplan/01.yaml', text);
    expect(found.map((item) => [item.kind, item.name, item.dhcp4, item.addresses, item.gateways, item.dns, item.search])).toEqual([
      ['ethernet', 'ens192', false, ['10.1.2.3/24', 'fd00::3/64'], ['10.1.2.1', 'fd00::1'], ['10.1.2.53'], ['corp.example']],
      ['ethernet', 'ens224', true, [], [], [], []],
      ['bond', 'bond0', false, ['10.9.0.2/24'], [], [], []],
      ['vlan', 'vlan100', false, ['10.100.0.2/24'], [], [], []],
    ]);
  });

  it('configures nothing from a file that is not YAML', () => {
    expect(describeNetworkFile('netplan', '/etc/netplan/bad.yaml', 'network: [unclosed')).toEqual([]);
  });
});

describe('ifupdown', () => {
  it('merges inet and inet6 stanzas, takes netmask, hwaddress, dns- options; skips lo', () => {
    const text = `source /etc/network/interfaces.d/*
auto lo
iface lo inet loopback

allow-hotplug ens192
iface ens192 inet static
    address 10.0.2.15
    netmask 255.255.255.0
    gateway 10.0.2.2
    dns-nameservers 10.0.2.3 10.0.2.4
    dns-search example.org
    hwaddress ether 00:50:56:8A:3C:12
iface ens192 inet6 auto

auto ens224
iface ens224 inet dhcp
`;
    expect(describeNetworkFile('ifupdown', '/etc/network/interfaces', text)).toEqual([
      {
        kind: 'ethernet',
        name: 'ens192',
        mac: '00:50:56:8a:3c:12',
        dhcp4: false,
        dhcp6: true,
        addresses: ['10.0.2.15/24'],
        gateways: ['10.0.2.2'],
        dns: ['10.0.2.3', '10.0.2.4'],
        search: ['example.org'],
      },
      { kind: 'ethernet', name: 'ens224', dhcp4: true, dhcp6: false, addresses: [], gateways: [], dns: [], search: [] },
    ]);
  });

  it('tells bonds, bridges and VLANs', () => {
    const text = `iface bond0 inet manual\n  bond-slaves ens192 ens224\n  bond-mode active-backup\niface br0 inet static\n  bridge_ports bond0\n  address 10.5.0.1/16\niface ens192.100 inet dhcp\n`;
    expect(describeNetworkFile('ifupdown', '/etc/network/interfaces', text).map((item) => [item.name, item.kind, item.addresses])).toEqual([
      ['bond0', 'bond', []],
      ['br0', 'bridge', ['10.5.0.1/16']],
      ['ens192.100', 'vlan', []],
    ]);
  });
});

describe('ifcfg', () => {
  it('reads a RHEL file with numbered addresses, DNSn, IPv6', () => {
    const text = `TYPE=Ethernet
BOOTPROTO=none
NAME=ens192
DEVICE=ens192
HWADDR=00:50:56:AB:CD:EF
ONBOOT=yes
IPADDR=192.168.10.5
PREFIX=24
IPADDR1=192.168.11.5
NETMASK1=255.255.254.0
GATEWAY=192.168.10.1
DNS1=192.168.10.53
DNS2="192.168.10.54"
DOMAIN="corp.example lab.example"
IPV6INIT=yes
IPV6ADDR=fd00:10::5/64
IPV6_DEFAULTGW=fd00:10::1%ens192
`;
    expect(describeNetworkFile('ifcfg', '/etc/sysconfig/network-scripts/ifcfg-ens192', text)).toEqual([
      {
        kind: 'ethernet',
        name: 'ens192',
        mac: '00:50:56:ab:cd:ef',
        dhcp4: false,
        dhcp6: false,
        addresses: ['192.168.10.5/24', '192.168.11.5/23', 'fd00:10::5/64'],
        gateways: ['192.168.10.1', 'fd00:10::1'],
        dns: ['192.168.10.53', '192.168.10.54'],
        search: ['corp.example', 'lab.example'],
      },
    ]);
  });

  it('reads a SUSE file: name from the file, CIDR IPADDR, LLADDR, DHCP', () => {
    expect(describeNetworkFile('ifcfg', '/etc/sysconfig/network/ifcfg-eth1', "BOOTPROTO='static'\nIPADDR='10.0.0.7/16'\nLLADDR='00:0c:29:01:02:03'\n")).toEqual(
      [expect.objectContaining({ name: 'eth1', mac: '00:0c:29:01:02:03', addresses: ['10.0.0.7/16'], dhcp4: false })],
    );
    expect(describeNetworkFile('ifcfg', '/etc/sysconfig/network/ifcfg-eth0', "BOOTPROTO='dhcp'\nSTARTMODE='auto'\n")).toEqual([
      expect.objectContaining({ name: 'eth0', dhcp4: true }),
    ]);
    expect(describeNetworkFile('ifcfg', '/etc/sysconfig/network-scripts/ifcfg-lo', 'DEVICE=lo\nIPADDR=127.0.0.1\n')).toEqual([]);
  });
});

describe('NetworkManager keyfile', () => {
  it('reads addressN with gateway, dns lists, and auto IPv6', () => {
    const text = `[connection]
id=Wired connection 1
uuid=2f1a3c1e-6c8e-4d6b-9a1b-2b3c4d5e6f70
type=ethernet
interface-name=ens192

[ethernet]
mac-address=00:50:56:8A:3C:12

[ipv4]
address1=10.0.2.15/24,10.0.2.2
dns=10.0.2.3;1.1.1.1;
dns-search=example.org;
method=manual

[ipv6]
addr-gen-mode=stable-privacy
method=auto
`;
    expect(describeNetworkFile('networkmanager', '/etc/NetworkManager/system-connections/ens192.nmconnection', text)).toEqual([
      {
        kind: 'ethernet',
        name: 'ens192',
        mac: '00:50:56:8a:3c:12',
        dhcp4: false,
        dhcp6: true,
        addresses: ['10.0.2.15/24'],
        gateways: ['10.0.2.2'],
        dns: ['10.0.2.3', '1.1.1.1'],
        search: ['example.org'],
      },
    ]);
  });

  it('takes a missing [ipv4] method as DHCP (auto) and a VLAN by its parent', () => {
    expect(describeNetworkFile('networkmanager', '/x', '[connection]\ntype=ethernet\n')).toEqual([expect.objectContaining({ dhcp4: true, kind: 'ethernet' })]);
    expect(describeNetworkFile('networkmanager', '/x', '[connection]\ntype=vlan\n[vlan]\nparent=ens192\nid=10\n[ipv4]\nmethod=disabled\n')).toEqual([
      expect.objectContaining({ kind: 'vlan', name: 'ens192', dhcp4: false }),
    ]);
  });
});

describe('systemd-networkd', () => {
  it('reads .network with [Address] and a default [Route] but not a routed one', () => {
    const text = `[Match]
MACAddress=00:50:56:8a:3c:12
Name=ens192

[Network]
DHCP=ipv6
Address=10.0.2.15/24
DNS=10.0.2.3
Domains=example.org ~.

[Address]
Address=10.0.2.16/24

[Route]
Gateway=10.0.2.2

[Route]
Destination=172.16.0.0/12
Gateway=10.0.2.254
`;
    expect(describeNetworkFile('systemd-networkd', '/etc/systemd/network/10-ens192.network', text)).toEqual([
      {
        kind: 'ethernet',
        name: 'ens192',
        mac: '00:50:56:8a:3c:12',
        dhcp4: false,
        dhcp6: true,
        addresses: ['10.0.2.15/24', '10.0.2.16/24'],
        gateways: ['10.0.2.2'],
        dns: ['10.0.2.3'],
        search: ['example.org'],
      },
    ]);
  });

  it('reads a .link as a rename and leaves glob names unpinned', () => {
    expect(
      describeNetworkFile('systemd-networkd', '/etc/systemd/network/10-ens192.link', '[Match]\nMACAddress=00:50:56:8a:3c:12\n[Link]\nName=ens192\n'),
    ).toEqual([expect.objectContaining({ kind: 'rename', name: 'ens192', mac: '00:50:56:8a:3c:12' })]);
    const [found] = describeNetworkFile('systemd-networkd', '/etc/systemd/network/99-all.network', '[Match]\nName=en*\n[Network]\nDHCP=yes\n');
    expect(found).toEqual(expect.objectContaining({ dhcp4: true, dhcp6: true }));
    expect(found!.name).toBeUndefined();
    expect(describeNetworkFile('systemd-networkd', '/etc/systemd/network/bond0.netdev', '[NetDev]\nName=bond0\nKind=bond\n')).toEqual([]);
  });
});

describe('udev persistent-net rules', () => {
  it('reads each rule as a rename by MAC', () => {
    const text = `# PCI device 0x15ad:0x07b0 (vmxnet3)
SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", ATTR{address}=="00:50:56:8a:3c:12", ATTR{dev_id}=="0x0", ATTR{type}=="1", KERNEL=="eth*", NAME="ens192"
`;
    expect(describeNetworkFile('udev-persistent-net', '/etc/udev/rules.d/70-persistent-net.rules', text)).toEqual([
      expect.objectContaining({ kind: 'rename', name: 'ens192', mac: '00:50:56:8a:3c:12' }),
    ]);
  });
});

describe('rendering and helpers', () => {
  it('says what an interface gets in one line', () => {
    const [found] = describeNetworkFile('ifupdown', '/i', 'iface ens192 inet static\n address 10.0.2.15/24\n gateway 10.0.2.2\n dns-nameservers 10.0.2.3\n');
    expect(describeInterface(found!)).toBe('ens192: static 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3');
    expect(describeInterface({ ...found!, name: undefined, mac: '00:50:56:00:00:01', addresses: [], gateways: [], dns: [], dhcp4: true } as never)).toBe(
      'MAC 00:50:56:00:00:01: DHCPv4',
    );
  });

  it('turns netmasks into prefixes and refuses non-contiguous ones', () => {
    expect(prefixOfNetmask('255.255.255.0')).toBe(24);
    expect(prefixOfNetmask('255.255.255.255')).toBe(32);
    expect(prefixOfNetmask('0.0.0.0')).toBe(0);
    expect(prefixOfNetmask('255.0.255.0')).toBeUndefined();
    expect(withPrefix('10.0.0.1', '255.255.0.0')).toBe('10.0.0.1/16');
    expect(withPrefix('10.0.0.1', '8')).toBe('10.0.0.1/8');
    expect(withPrefix('10.0.0.1/24', '255.0.0.0')).toBe('10.0.0.1/24');
  });
});

describe('markDomainNics', () => {
  it('ties an interface to the domain NIC by its MAC, or by the MAC a rename file gives its name', () => {
    const files = [
      {
        path: '/etc/network/interfaces',
        flavour: 'ifupdown' as const,
        interfaces: describeNetworkFile('ifupdown', '/i', 'iface ens192 inet dhcp\niface ens224 inet dhcp\n'),
      },
      {
        path: '/etc/systemd/network/10-ens224.link',
        flavour: 'systemd-networkd' as const,
        interfaces: describeNetworkFile(
          'systemd-networkd',
          '/etc/systemd/network/10-ens224.link',
          '[Match]\nMACAddress=52:54:00:00:00:02\n[Link]\nName=ens224\n',
        ),
      },
    ];
    const marked = markDomainNics(files, ['52:54:00:00:00:01', '52:54:00:00:00:02']);
    expect(marked[0]!.interfaces.map((found) => found.kvmNic)).toEqual([undefined, 1]);
    expect(marked[1]!.interfaces[0]!.kvmNic).toBe(1);
    expect(describeInterface(marked[0]!.interfaces[1]!)).toBe('ens224 → KVM NIC 2: DHCPv4');
  });
});
