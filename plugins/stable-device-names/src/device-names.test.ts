import { describe, expect, it } from 'vitest';
import { applianceDeviceFor, cmdlineDeviceNames, isUnstableDeviceName, resolveNames, rewriteCmdline } from './device-names.js';

describe('device names', () => {
  it('treats kernel disk names and by-path links as unstable, LVM and md names as stable', () => {
    expect(
      ['/dev/sda1', '/dev/hdb', '/dev/vda2', '/dev/xvda1', '/dev/sdaa3', '/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0-part1'].every(isUnstableDeviceName),
    ).toBe(true);
    expect(['/dev/mapper/rhel-root', '/dev/rhel/root', '/dev/md0', 'UUID=x', 'LABEL=root', '/dev/nvme0n1p1'].some(isUnstableDeviceName)).toBe(false);
  });

  it('maps any bus letter to the appliance name of the same disk', () => {
    expect(applianceDeviceFor('/dev/hdb2')).toBe('/dev/sdb2');
    expect(applianceDeviceFor('/dev/vda')).toBe('/dev/sda');
    expect(applianceDeviceFor('/dev/mapper/x')).toBeNull();
  });

  it('prefers UUID, then LABEL, then PARTUUID', () => {
    const { replacements, unresolved } = resolveNames(
      ['/dev/sda1', '/dev/sda2', '/dev/sda3', '/dev/sdb1'],
      [
        { device: '/dev/sda1', type: 'ext4', uuid: 'u1', label: 'root' },
        { device: '/dev/sda2', type: 'vfat', label: 'ESP' },
        { device: '/dev/sda3', type: 'swap', partuuid: '1a2b3c4d-03' },
        { device: '/dev/sdb1', type: 'unknown' },
      ],
    );
    expect(Object.fromEntries(replacements)).toEqual({ '/dev/sda1': 'UUID=u1', '/dev/sda2': 'LABEL=ESP', '/dev/sda3': 'PARTUUID=1a2b3c4d-03' });
    expect([...unresolved]).toEqual(['/dev/sdb1']);
  });

  it('rewrites only root= and resume= values with a replacement', () => {
    const line = 'GRUB_CMDLINE_LINUX="root=/dev/sda1 resume=/dev/sda2 console=ttyS0 myroot=/dev/sda1 root=/dev/mapper/vg-root"';
    expect(cmdlineDeviceNames(line)).toEqual(['/dev/sda1', '/dev/sda2']);
    expect(
      rewriteCmdline(
        line,
        new Map([
          ['/dev/sda1', 'UUID=u1'],
          ['/dev/sda2', 'UUID=u2'],
        ]),
      ),
    ).toBe('GRUB_CMDLINE_LINUX="root=UUID=u1 resume=UUID=u2 console=ttyS0 myroot=/dev/sda1 root=/dev/mapper/vg-root"');
  });
});
