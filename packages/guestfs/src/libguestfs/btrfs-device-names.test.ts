import { describe, expect, it } from 'vitest';
import { btrfsDeviceNames, translatedBtrfsName } from './btrfs-device-names.js';

describe('btrfsDeviceNames', () => {
  it('learns the kernel name of a btrfs device from the subvolumes listed after it', () => {
    // list_filesystems of ubuntu-2204-btrfs when the appliance kernel called the guest disk sdb.
    const names = btrfsDeviceNames([
      { device: '/dev/sda1', type: 'unknown' },
      { device: '/dev/sda2', type: 'btrfs' },
      { device: 'btrfsvol:/dev/sdb2/@snapshots', type: 'btrfs' },
      { device: 'btrfsvol:/dev/sdb2/@snapshots/1/snapshot', type: 'btrfs' },
      { device: 'btrfsvol:/dev/sdb2/@', type: 'btrfs' },
      { device: '/dev/sda3', type: 'swap' },
    ]);
    expect([...names]).toEqual([['/dev/sdb2', '/dev/sda2']]);
    expect(translatedBtrfsName('btrfsvol:/dev/sdb2/@snapshots/1/snapshot', names)).toBe('btrfsvol:/dev/sda2/@snapshots/1/snapshot');
    expect(translatedBtrfsName('/dev/sdb2', names)).toBe('/dev/sdb2');
  });

  it('needs nothing when the names agree, and keeps LVs as they are', () => {
    const names = btrfsDeviceNames([
      { device: '/dev/sda2', type: 'btrfs' },
      { device: 'btrfsvol:/dev/sda2/@', type: 'btrfs' },
      { device: '/dev/vg/root', type: 'btrfs' },
      { device: 'btrfsvol:/dev/vg/root/@', type: 'btrfs' },
    ]);
    expect(names.size).toBe(0);
    expect(translatedBtrfsName('btrfsvol:/dev/sda2/@', names)).toBe('btrfsvol:/dev/sda2/@');
  });
});
