import { describe, expect, it } from 'vitest';
import { fillCommand, profileFor } from './lookup.js';
import { OS_PROFILES } from './profiles.js';

describe('OS profiles', () => {
  it.each([
    ['rhel', 9, 'rhel-9', 'dracut'],
    ['rocky', 8, 'rhel-8', 'dracut'],
    ['centos', 7, 'rhel-7', 'dracut'],
    ['ubuntu', 22, 'ubuntu-22.04', 'initramfs-tools'],
    ['debian', 11, 'debian-11', 'initramfs-tools'],
    ['sles', 12, 'sles-12', 'mkinitrd'],
    ['opensuse-leap', 15, 'sles-15', 'dracut'],
    ['arch', 0, 'arch', 'mkinitcpio'],
    ['alpine', 3, 'alpine', 'mkinitfs'],
    ['fedora', 39, 'fedora', 'dracut'],
  ])('%s %i → %s with %s', (distro, major, id, tool) => {
    const profile = profileFor({ distro, version: { major, minor: 0 } });
    expect(profile?.id).toBe(id);
    expect(profile?.initramfs.tool).toBe(tool);
  });

  it('falls back to the newest older release of a known distro', () => {
    expect(profileFor({ distro: 'ubuntu', version: { major: 26, minor: 4 } })?.id).toBe('ubuntu-24.04');
    expect(profileFor({ distro: 'gentoo', version: { major: 1, minor: 0 } })).toBeUndefined();
  });

  it('lists installed packages by command where the database is not plain files', () => {
    expect(profileFor({ distro: 'rhel', version: { major: 9, minor: 3 } })?.listPackages).toEqual(['rpm', '-qa', '--queryformat', '%{NAME}\\n']);
    expect(profileFor({ distro: 'sles', version: { major: 15, minor: 5 } })?.listPackages?.[0]).toBe('rpm');
    // dpkg keeps /var/lib/dpkg/status, which plugins read during plan.
    expect(profileFor({ distro: 'debian', version: { major: 12, minor: 0 } })?.listPackages).toBeUndefined();
  });

  it('has unique ids', () => {
    expect(new Set(OS_PROFILES.map((profile) => profile.id)).size).toBe(OS_PROFILES.length);
  });

  it('fills command templates, expanding lists into arguments', () => {
    expect(fillCommand(['dracut', '--force', '{initramfs}', '{kver}'], { initramfs: '/boot/initramfs-5.14.img', kver: '5.14' })).toEqual([
      'dracut',
      '--force',
      '/boot/initramfs-5.14.img',
      '5.14',
    ]);
    expect(fillCommand(['dpkg', '--purge', '{packages}'], { packages: ['a', 'b'] })).toEqual(['dpkg', '--purge', 'a', 'b']);
    expect(fillCommand(['-k', '/boot/vmlinuz-{kver}'], { kver: '5.3' })).toEqual(['-k', '/boot/vmlinuz-5.3']);
  });
});
