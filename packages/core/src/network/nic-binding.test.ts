import { describe, expect, it } from 'vitest';
import { bindInterfaces, isHypervisorMac, isPhysicalInterfaceName, macInStyleOf, normalizeMac, type NicTargets } from './nic-binding.js';

const predictable = (macs: (string | undefined)[]): NicTargets => ({ macs, kernelNames: false, defaultName: 'enp1s0' });

describe('normalizeMac', () => {
  it.each([
    ['00:50:56:AA:BB:CC', '00:50:56:aa:bb:cc'],
    ['00-50-56-aa-bb-cc', '00:50:56:aa:bb:cc'],
    ['005056aabbcc', '00:50:56:aa:bb:cc'],
    [' 00:0c:29:4f:8e:21 ', '00:0c:29:4f:8e:21'],
  ])('%s → %s', (text, mac) => expect(normalizeMac(text)).toBe(mac));

  it.each(['', 'ens192', '00:50:56:aa:bb', '00:50-56:aa:bb:cc', '00:50:56:aa:bb:cg'])('rejects %j', (text) => expect(normalizeMac(text)).toBeUndefined());
});

describe('macInStyleOf and isPhysicalInterfaceName', () => {
  it('keeps upper case where the original used it', () => {
    expect(macInStyleOf('52:54:00:ab:cd:ef', '00:50:56:1A:2B:3C')).toBe('52:54:00:AB:CD:EF');
    expect(macInStyleOf('52:54:00:ab:cd:ef', '00:50:56:1a:2b:3c')).toBe('52:54:00:ab:cd:ef');
    expect(macInStyleOf('52:54:00:ab:cd:ef', '00:50:56:11:22:33')).toBe('52:54:00:ab:cd:ef');
  });

  it('knows hypervisor MACs', () => {
    expect(['00:50:56:aa:bb:cc', '00:0C:29:4F:8E:21', '00-15-5d-01-02-03'].every(isHypervisorMac)).toBe(true);
    expect(['52:54:00:12:34:56', '02:00:00:00:00:01', 'preserve', undefined].some(isHypervisorMac)).toBe(false);
  });

  it('knows NIC names from bonds, bridges, VLANs and globs', () => {
    expect(['ens192', 'enp11s0f0', 'eno1', 'eth0', 'em1', 'p2p1', 'enx005056aabbcc'].filter(isPhysicalInterfaceName)).toHaveLength(7);
    expect(['bond0', 'br0', 'ens192.100', 'en*', 'lo', 'virbr0', 'team0'].filter(isPhysicalInterfaceName)).toEqual([]);
  });
});

describe('bindInterfaces', () => {
  it('keeps a pin whose MAC the domain keeps, with its name', () => {
    expect(bindInterfaces([{ name: 'ens192', mac: '00:50:56:AA:BB:CC' }], predictable(['00:50:56:aa:bb:cc']))).toEqual([
      { kind: 'mac', nic: 0, mac: '00:50:56:aa:bb:cc', name: 'ens192' },
    ]);
  });

  it('gives name-only and foreign-MAC pins the free NICs in natural name order', () => {
    const bindings = bindInterfaces(
      [{ name: 'ens224' }, { name: 'ens192', mac: '00:50:56:00:00:99' }, { mac: '00:50:56:00:00:02' }],
      predictable(['00:50:56:00:00:01', '00:50:56:00:00:02', '00:50:56:00:00:03']),
    );
    expect(bindings).toEqual([
      { kind: 'mac', nic: 2, mac: '00:50:56:00:00:03', name: 'ens224' },
      { kind: 'mac', nic: 0, mac: '00:50:56:00:00:01', name: 'ens192' },
      { kind: 'mac', nic: 1, mac: '00:50:56:00:00:02' },
    ]);
  });

  it('treats pins of one interface from several files as one NIC', () => {
    const bindings = bindInterfaces([{ name: 'ens192', mac: '00:50:56:1A:2B:3C' }, { name: 'ens192' }, { mac: '00:50:56:1a:2b:3c' }], predictable([undefined]));
    expect(bindings).toEqual([
      { kind: 'driver', name: 'ens192' },
      { kind: 'driver', name: 'ens192' },
      { kind: 'driver', name: 'ens192' },
    ]);
  });

  it('leaves configurations without pins alone, and kernel-order names on a net.ifnames=0 guest', () => {
    expect(bindInterfaces([{}], predictable([undefined]))).toEqual([{ kind: 'unchanged' }]);
    expect(bindInterfaces([{ name: 'eth0' }], { macs: [undefined], kernelNames: true, defaultName: 'eth0' })).toEqual([{ kind: 'unchanged' }]);
    expect(bindInterfaces([{ name: 'eth0', mac: '00:0c:29:4f:8e:21' }], { macs: [undefined], kernelNames: true, defaultName: 'eth0' })).toEqual([
      { kind: 'driver' },
    ]);
  });

  it('cannot decide between several NICs without MACs', () => {
    expect(bindInterfaces([{ name: 'ens192' }, { name: 'ens224' }], predictable([undefined]))).toEqual([{ kind: 'unmapped' }, { kind: 'unmapped' }]);
    expect(bindInterfaces([{ name: 'ens192' }], predictable([undefined, undefined]))).toEqual([{ kind: 'unmapped' }]);
  });

  it('leaves a pin unmapped when the domain has fewer NICs than the guest configures', () => {
    expect(bindInterfaces([{ name: 'ens192' }, { name: 'ens224' }], predictable(['52:54:00:00:00:01']))).toEqual([
      { kind: 'mac', nic: 0, mac: '52:54:00:00:00:01', name: 'ens192' },
      { kind: 'unmapped' },
    ]);
  });
});
