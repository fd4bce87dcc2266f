import { describe, expect, it } from 'vitest';
import { WINDOWS_VERSIONS, virtioWinArch, windowsVersionFor } from './windows-versions.js';

const client = (ntVersion: string, build: number) => ({ ntVersion, build, installationType: 'client' as const });
const server = (ntVersion: string, build: number) => ({ ntVersion, build, installationType: 'server' as const });

describe('windowsVersionFor', () => {
  it.each([
    [client('6.1', 7601), 'x86_64', 'w7', 'CriticalDeviceDatabase'],
    [client('6.1', 7601), 'i386', 'w7', 'CriticalDeviceDatabase'],
    [server('6.1', 7601), 'x86_64', '2k8R2', 'CriticalDeviceDatabase'],
    [client('6.2', 9200), 'x86_64', 'w8', 'DriverDatabase'],
    [client('6.2', 9200), 'i686', 'w8', 'DriverDatabase'],
    [server('6.2', 9200), 'x86_64', '2k12', 'DriverDatabase'],
    [client('6.3', 9600), 'x86_64', 'w8.1', 'DriverDatabase'],
    [server('6.3', 9600), 'x86_64', '2k12R2', 'DriverDatabase'],
    [client('10.0', 19045), 'x86_64', 'w10', 'DriverDatabase'],
    [client('10.0', 19045), 'i386', 'w10', 'DriverDatabase'],
    [client('10.0', 21999), 'x86_64', 'w10', 'DriverDatabase'],
    [client('10.0', 22000), 'x86_64', 'w11', 'DriverDatabase'],
    [client('10.0', 26100), 'aarch64', 'w11', 'DriverDatabase'],
    [server('10.0', 14393), 'x86_64', '2k16', 'DriverDatabase'],
    [server('10.0', 17762), 'x86_64', '2k16', 'DriverDatabase'],
    [server('10.0', 17763), 'x86_64', '2k19', 'DriverDatabase'],
    [server('10.0', 20348), 'x86_64', '2k22', 'DriverDatabase'],
    [server('10.0', 26099), 'x86_64', '2k22', 'DriverDatabase'],
    [server('10.0', 26100), 'x86_64', '2k25', 'DriverDatabase'],
  ])('%o on %s → %s (%s)', (windows, arch, dir, binding) => {
    const row = windowsVersionFor(windows, arch);
    expect(row?.virtioWinDir).toBe(dir);
    expect(row?.deviceBinding).toBe(binding);
  });

  it('gives the virtio-win architecture directory', () => {
    expect(windowsVersionFor(client('6.1', 7601), 'i386')?.virtioWinArch).toBe('x86');
    expect(windowsVersionFor(server('10.0', 20348), 'x86_64')?.virtioWinArch).toBe('amd64');
  });

  it('has no row for 32-bit servers, 32-bit Windows 11, unknown releases and architectures', () => {
    expect(windowsVersionFor(server('6.1', 7601), 'i386')).toBeUndefined();
    expect(windowsVersionFor(client('10.0', 22621), 'i386')).toBeUndefined();
    expect(windowsVersionFor(server('10.0', 10586), 'x86_64')).toBeUndefined();
    expect(windowsVersionFor(client('6.0', 6002), 'x86_64')).toBeUndefined();
    expect(windowsVersionFor(client('10.0', 19045), 'unknown')).toBeUndefined();
  });

  it('decides on the NT version alone when the build is unknown and one row fits', () => {
    expect(windowsVersionFor(client('6.1', 0), 'x86_64')?.virtioWinDir).toBe('w7');
    expect(windowsVersionFor(server('10.0', 0), 'x86_64')).toBeUndefined();
  });

  it('uses the legacy pnputil syntax before Windows 10', () => {
    expect(windowsVersionFor(client('6.3', 9600), 'x86_64')?.firstBoot).toBe('service-wrapper-pnputil-legacy');
    expect(windowsVersionFor(client('10.0', 19045), 'x86_64')?.firstBoot).toBe('service-wrapper-pnputil');
  });

  it('covers every client and server row without overlapping builds', () => {
    for (const row of WINDOWS_VERSIONS) {
      const overlapping = WINDOWS_VERSIONS.filter(
        (other) =>
          other !== row &&
          other.ntVersion === row.ntVersion &&
          other.installationType === row.installationType &&
          other.buildMin <= (row.buildMax ?? Infinity) &&
          row.buildMin <= (other.buildMax ?? Infinity),
      );
      expect(overlapping, row.name).toEqual([]);
    }
    expect(new Set(WINDOWS_VERSIONS.map((row) => row.virtioWinDir))).toEqual(
      new Set(['w7', '2k8R2', 'w8', '2k12', 'w8.1', '2k12R2', 'w10', 'w11', '2k16', '2k19', '2k22', '2k25']),
    );
  });
});

describe('virtioWinArch', () => {
  it('maps inspection architectures', () => {
    expect(virtioWinArch('x86_64')).toBe('amd64');
    expect(virtioWinArch('i686')).toBe('x86');
    expect(virtioWinArch('aarch64')).toBe('ARM64');
    expect(virtioWinArch('ppc64le')).toBeUndefined();
  });
});
