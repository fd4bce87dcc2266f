import { describe, expect, it } from 'vitest';
import { planWithPlugins, type GuestTree } from '@hyper2kvm/plugin-kit';
import type { VmDescription } from '@hyper2kvm/core';
import netplanStabilize from '../src/index.js';

const VMWARE_MAC = '00:50:56:aa:bb:cc';
const UBUNTU = {
  '/etc/os-release': 'ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.3 LTS"\n',
  '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n',
  '/bin/sh': '',
};

/** The file the ubuntu-2204 test image carries (test-images/recipes/ubuntu-2204.mjs). */
const INSTALLER_CONFIG = `# This is the network config written by 'subiquity'
network:
  ethernets:
    ens192:
      match:
        macaddress: ${VMWARE_MAC}
      set-name: ens192
      addresses:
      - 192.168.10.20/24
      nameservers:
        addresses:
        - 192.168.10.1
        - 1.1.1.1
        search:
        - example.com
      routes:
      - to: default
        via: 192.168.10.1
  version: 2
`;

function vm(...macs: (string | undefined)[]): VmDescription {
  return { disks: [], nics: macs.map((mac) => ({ model: 'vmxnet3', ...(mac ? { mac } : {}) })), origin: 'ovf' };
}

async function plan(guest: GuestTree, description?: VmDescription) {
  return planWithPlugins({ plugins: [netplanStabilize], guest: { ...UBUNTU, ...guest }, ...(description ? { vm: description } : {}) });
}

/** Paths netplan would load that the plan creates or leaves besides the configs it had. */
function netplanFilesWritten(changes: { kind: string; path?: string; to?: string }[]): string[] {
  return changes
    .flatMap((change) => (change.kind === 'file.write' || change.kind === 'file.rename' ? [change.path ?? change.to ?? ''] : []))
    .filter((path) => path.startsWith('/etc/netplan/'));
}

describe('netplan-stabilize on the ubuntu-2204 image config', () => {
  it('changes nothing when the domain keeps the MAC the config matches (set-name keeps ens192)', async () => {
    const outcome = await plan({ '/etc/netplan/00-installer-config.yaml': INSTALLER_CONFIG }, vm(VMWARE_MAC));
    expect(outcome.plan.changes).toEqual([]);
    expect(outcome.plan.findings).toEqual([]);
    await outcome.cleanup();
  });

  it('moves the MAC pin to the MAC of the KVM NIC when the domain gets another one', async () => {
    const outcome = await plan({ '/etc/netplan/00-installer-config.yaml': INSTALLER_CONFIG }, vm('52:54:00:6b:3c:58'));
    expect(await outcome.fileAfter('/etc/netplan/00-installer-config.yaml')).toBe(INSTALLER_CONFIG.replace(VMWARE_MAC, '52:54:00:6b:3c:58'));
    expect(outcome.plan.changes).toEqual([
      expect.objectContaining({
        kind: 'file.write',
        path: '/etc/netplan/00-installer-config.yaml',
        reason: expect.stringContaining('ens192: match the KVM NIC 0 by the MAC the emitted domain keeps (52:54:00:6b:3c:58) and keep the name ens192'),
      }),
    ]);
    await outcome.cleanup();
  });

  it('matches the single NIC by the virtio_net driver when no MAC is known, keeping every address byte for byte', async () => {
    const outcome = await plan({ '/etc/netplan/00-installer-config.yaml': INSTALLER_CONFIG });
    expect(await outcome.fileAfter('/etc/netplan/00-installer-config.yaml')).toBe(INSTALLER_CONFIG.replace(`macaddress: ${VMWARE_MAC}`, 'driver: virtio_net'));
    expect(outcome.plan.changes[0]).toMatchObject({ reason: expect.stringContaining('no MAC is known for the single KVM NIC') });
    expect(netplanFilesWritten(outcome.plan.changes)).toEqual(['/etc/netplan/00-installer-config.yaml']);
    expect(outcome.text).toContain('-        macaddress: 00:50:56:aa:bb:cc');
    expect(outcome.text).toContain('+        driver: virtio_net');
    await outcome.cleanup();
  });
});

const BOND = `network:
  version: 2
  renderer: networkd
  ethernets:
    ens192: {}
    ens224: {}
  bonds:
    bond0:
      interfaces: [ens192, ens224]
      parameters:
        mode: active-backup
        primary: ens192
      addresses: [10.0.0.5/24]
      routes:
        - to: 0.0.0.0/0
          via: 10.0.0.1
`;

describe('netplan-stabilize on a bond of two NICs pinned by name', () => {
  it('binds each slave to the MAC of its NIC in slot order and keeps the names the bond uses', async () => {
    const outcome = await plan({ '/etc/netplan/01-bond.yaml': BOND }, vm('00:50:56:00:00:01', '00:50:56:00:00:02'));
    expect(await outcome.fileAfter('/etc/netplan/01-bond.yaml')).toBe(
      BOND.replace(
        '    ens192: {}\n    ens224: {}\n',
        '    ens192: {match: {macaddress: 00:50:56:00:00:01}, set-name: ens192}\n    ens224: {match: {macaddress: 00:50:56:00:00:02}, set-name: ens224}\n',
      ),
    );
    await outcome.cleanup();
  });

  it('warns for each slave and changes nothing when the MACs are unknown', async () => {
    const outcome = await plan({ '/etc/netplan/01-bond.yaml': BOND }, vm(undefined, undefined));
    expect(outcome.plan.changes).toEqual([]);
    expect(outcome.plan.findings).toEqual([
      expect.objectContaining({
        rule: 'nic-mapping-needed',
        severity: 'warning',
        message: expect.stringContaining('ens192 in /etc/netplan/01-bond.yaml'),
        hint: expect.stringContaining('OVF/VMX'),
      }),
      expect.objectContaining({ rule: 'nic-mapping-needed', severity: 'warning', message: expect.stringContaining('ens224 in /etc/netplan/01-bond.yaml') }),
    ]);
    await outcome.cleanup();
  });
});

describe('netplan-stabilize on VLANs and bridges over a NIC pinned by name', () => {
  const VLAN = `network:
  version: 2
  ethernets:
    ens192:
      dhcp4: false
  vlans:
    vlan100:
      id: 100
      link: ens192
      addresses: [192.168.100.2/24]
  bridges:
    br0:
      interfaces: [vlan100]
      addresses: [192.168.200.2/24]
      nameservers:
        addresses: [192.168.200.1]
`;

  it('adds the MAC match and set-name to the NIC, leaving the VLAN and the bridge as they are', async () => {
    const outcome = await plan({ '/etc/netplan/50-vlan.yaml': VLAN }, vm('00:50:56:00:00:07'));
    expect(await outcome.fileAfter('/etc/netplan/50-vlan.yaml')).toBe(
      VLAN.replace(
        '    ens192:\n      dhcp4: false\n',
        '    ens192:\n      match:\n        macaddress: 00:50:56:00:00:07\n      set-name: ens192\n      dhcp4: false\n',
      ),
    );
    await outcome.cleanup();
  });

  it('uses a driver match for the single NIC without a MAC', async () => {
    const outcome = await plan({ '/etc/netplan/50-vlan.yaml': VLAN });
    expect(await outcome.fileAfter('/etc/netplan/50-vlan.yaml')).toBe(
      VLAN.replace('    ens192:\n      dhcp4: false\n', '    ens192:\n      match:\n        driver: virtio_net\n      dhcp4: false\n'),
    );
    await outcome.cleanup();
  });
});

describe('netplan-stabilize leaves alone what is not pinned', () => {
  it('proposes nothing for a glob or driver match, for non-YAML files, and for backups netplan does not load', async () => {
    const config =
      'network:\n  version: 2\n  ethernets:\n    lan:\n      match:\n        name: en*\n      dhcp4: true\n    virt:\n      match:\n        driver: virtio_net\n      dhcp4: true\n';
    const outcome = await plan({ '/etc/netplan/01-lan.yaml': config, '/etc/netplan/00-installer-config.yaml.bak': INSTALLER_CONFIG });
    expect(outcome.plan.changes).toEqual([]);
    expect(outcome.plan.findings).toEqual([]);
    await outcome.cleanup();
  });

  it('does nothing on a Windows guest', async () => {
    const outcome = await planWithPlugins({
      plugins: [netplanStabilize],
      guest: { '/etc/netplan/00-installer-config.yaml': INSTALLER_CONFIG },
      facts: { os: { type: 'windows', arch: 'x86_64' } },
    });
    expect(outcome.plan.changes).toEqual([]);
    await outcome.cleanup();
  });
});
