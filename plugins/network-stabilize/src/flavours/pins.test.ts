import { describe, expect, it } from 'vitest';
import { ifcfg } from './ifcfg.js';
import { ifupdown } from './ifupdown.js';
import { networkManagerKeyfile } from './keyfile.js';
import { systemdNetworkd } from './networkd.js';
import { udevPersistentNet } from './udev-rules.js';
import { wicked } from './wicked.js';

describe('pins each flavour reads', () => {
  it('ifupdown: iface, auto and bond/bridge/VLAN names; only hypervisor hwaddress MACs', () => {
    const text =
      'auto br0 ens192.10\niface br0 inet dhcp\n  bridge_ports ens224\niface ens192 inet manual\n  hwaddress ether 00:50:56:00:00:01\niface ens256 inet manual\n  hwaddress 02:00:00:00:00:09\n# iface ens999 inet dhcp\n';
    expect(ifupdown.pins(text, '/etc/network/interfaces')).toEqual(
      [{ name: 'ens192' }, { name: 'ens224' }, { name: 'ens256' }].map((pin) => (pin.name === 'ens192' ? { ...pin, mac: '00:50:56:00:00:01' } : pin)),
    );
  });

  it('ifcfg: DEVICE or the file name, HWADDR, and MACADDR/LLADDR when it is a hypervisor MAC', () => {
    expect(ifcfg.pins('DEVICE="ens192"\nHWADDR="00:50:56:1A:2B:3C"\n', '/etc/sysconfig/network-scripts/ifcfg-System_ens192')).toEqual([
      { name: 'ens192', mac: '00:50:56:1a:2b:3c' },
    ]);
    expect(ifcfg.pins("LLADDR='00:15:5d:00:00:01'\n", '/etc/sysconfig/network/ifcfg-eth1')).toEqual([{ name: 'eth1', mac: '00:15:5d:00:00:01' }]);
    expect(ifcfg.pins('DEVICE=bond0\nBONDING_OPTS="mode=1"\nMACADDR=02:00:00:00:00:01\n', '/etc/sysconfig/network-scripts/ifcfg-bond0')).toEqual([]);
    expect(ifcfg.pins('DEVICE=ens192.100\nVLAN=yes\n', '/etc/sysconfig/network-scripts/ifcfg-ens192.100')).toEqual([{ name: 'ens192' }]);
  });

  it('NetworkManager: ethernet interface-name and mac-address, VLAN parent, nothing for a bond master', () => {
    expect(networkManagerKeyfile.pins('[connection]\ntype=802-3-ethernet\n\n[802-3-ethernet]\nmac-address=00:0C:29:00:00:01\n', '')).toEqual([
      { mac: '00:0c:29:00:00:01' },
    ]);
    expect(networkManagerKeyfile.pins('[connection]\ntype=vlan\n[vlan]\nparent=ens224\n', '')).toEqual([{ name: 'ens224' }]);
    expect(networkManagerKeyfile.pins('[connection]\ntype=bond\ninterface-name=bond0\n', '')).toEqual([]);
  });

  it('systemd-networkd: Name/MACAddress of .network files, renaming .link files by hardware', () => {
    expect(systemdNetworkd.pins('[Match]\nName=ens192\nMACAddress=00:50:56:00:00:01\n', 'a.network')).toEqual([{ name: 'ens192', mac: '00:50:56:00:00:01' }]);
    expect(systemdNetworkd.pins('[Match]\nName=en* eth*\n', 'a.network')).toEqual([]);
    expect(systemdNetworkd.pins('[Match]\nOriginalName=eth0\n[Link]\nName=lan0\n', 'a.link')).toEqual([{ name: 'lan0', renames: 'always' }]);
    expect(systemdNetworkd.pins('[Match]\nDriver=virtio_net\n[Link]\nName=lan0\n', 'a.link')).toEqual([]);
  });

  it('wicked: plain names and permanent-address names', () => {
    expect(
      wicked.pins(
        '<interface><name>ens192</name></interface>\n<interface><name namespace="ethernet"><permanent-address>00:50:56:00:00:02</permanent-address></name></interface>\n<interface><name>br0</name></interface>',
        '',
      ),
    ).toEqual([{ name: 'ens192' }, { mac: '00:50:56:00:00:02' }]);
  });

  it('udev rules: MAC and NAME of each rule, not of comments', () => {
    const text =
      '# SUBSYSTEM=="net", ATTR{address}=="00:50:56:00:00:09", NAME="eth9"\nSUBSYSTEM=="net", ACTION=="add", ATTR{address}=="00:50:56:00:00:01", KERNEL=="eth*", NAME="eth0"\n';
    expect(udevPersistentNet.pins(text, '')).toEqual([{ name: 'eth0', mac: '00:50:56:00:00:01', renames: 'while-mac' }]);
  });
});
