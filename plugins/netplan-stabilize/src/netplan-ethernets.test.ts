import { describe, expect, it } from 'vitest';
import { findEthernets, rebindEthernets } from './netplan-ethernets.js';

const installer = `# This is the network config written by 'subiquity'
network:
  ethernets:
    ens192:
      match:
        macaddress: 00:50:56:aa:bb:cc
      set-name: ens192
      addresses:
      - 192.168.10.20/24
  version: 2
`;

describe('findEthernets', () => {
  it('reads the name and MAC pins of each ethernet', () => {
    const text = `network:
  version: 2
  ethernets:
    ens192: {dhcp4: true}
    lan:
      match: {macaddress: "00:50:56:00:00:02"}
    any:
      match:
        name: en*
    vm:
      match:
        driver: vmxnet3
    eno1:
      match:
        name: eno1
`;
    expect(findEthernets(text).map((entry) => [entry.id, entry.pin])).toEqual([
      ['ens192', { name: 'ens192' }],
      ['lan', { mac: '00:50:56:00:00:02' }],
      ['any', {}],
      ['vm', { name: 'vm' }],
      ['eno1', { name: 'eno1' }],
    ]);
    expect(findEthernets(installer)[0]).toMatchObject({ id: 'ens192', idIsName: false, setName: 'ens192', pin: { name: 'ens192', mac: '00:50:56:aa:bb:cc' } });
  });

  it('finds nothing in a file without ethernets or in broken YAML', () => {
    expect(findEthernets('network:\n  version: 2\n  bonds: {}\n')).toEqual([]);
    expect(findEthernets('network: [\n')).toEqual([]);
  });
});

describe('rebindEthernets', () => {
  it('changes only the MAC of a matched entry, keeping comments and sequence indentation', () => {
    expect(rebindEthernets(installer, [{ id: 'ens192', by: 'mac', mac: '52:54:00:12:34:56', keepName: 'ens192' }])).toBe(
      installer.replace('00:50:56:aa:bb:cc', '52:54:00:12:34:56'),
    );
  });

  it('is a no-op when the entry is already bound to that MAC', () => {
    expect(rebindEthernets(installer, [{ id: 'ens192', by: 'mac', mac: '00:50:56:aa:bb:cc', keepName: 'ens192' }])).toBe(installer);
  });

  it('puts match and set-name first in an entry pinned by its id', () => {
    const text = 'network:\n    ethernets:\n        ens192:\n            dhcp4: true  # lab\n';
    expect(rebindEthernets(text, [{ id: 'ens192', by: 'mac', mac: '52:54:00:00:00:01', keepName: 'ens192' }])).toBe(
      'network:\n    ethernets:\n        ens192:\n            match:\n              macaddress: 52:54:00:00:00:01\n            set-name: ens192\n            dhcp4: true  # lab\n',
    );
  });

  it('replaces name, MAC and hypervisor driver matches by a virtio_net driver match, keeping other match keys and set-name', () => {
    const text =
      'network:\n  ethernets:\n    ens192:\n      match:\n        macaddress: "00:50:56:AA:BB:CC"\n        driver: vmxnet3\n      set-name: ens192\n      dhcp4: true\n';
    expect(rebindEthernets(text, [{ id: 'ens192', by: 'driver' }])).toBe(
      'network:\n  ethernets:\n    ens192:\n      match:\n        driver: virtio_net\n      set-name: ens192\n      dhcp4: true\n',
    );
  });

  it('keeps quoting and upper case of a MAC, and adds set-name after a match by name', () => {
    const text =
      "network:\n  ethernets:\n    wan:\n      match:\n        name: ens224\n      dhcp4: true\n    lan:\n      match: {macaddress: '00:50:56:AA:00:01', driver: vmxnet3}\n      dhcp4: false\n";
    expect(
      rebindEthernets(text, [
        { id: 'wan', by: 'mac', mac: '52:54:00:00:00:02', keepName: 'ens224' },
        { id: 'lan', by: 'mac', mac: '52:54:00:00:00:01' },
      ]),
    ).toBe(
      "network:\n  ethernets:\n    wan:\n      match:\n        macaddress: 52:54:00:00:00:02\n      set-name: ens224\n      dhcp4: true\n    lan:\n      match: {macaddress: '52:54:00:00:00:01'}\n      dhcp4: false\n",
    );
  });

  it('rewrites a flow-style entry as one flow map', () => {
    const text = 'network:\n  ethernets:\n    ens192: {dhcp4: true, mtu: 9000}\n';
    expect(rebindEthernets(text, [{ id: 'ens192', by: 'mac', mac: '52:54:00:00:00:01', keepName: 'ens192' }])).toBe(
      'network:\n  ethernets:\n    ens192: {match: {macaddress: 52:54:00:00:00:01}, set-name: ens192, dhcp4: true, mtu: 9000}\n',
    );
  });
});
