import { describe, expect, it } from 'vitest';
import { chooseInitramfsPath } from '../src/strategy.js';

const readable = { initramfs: '/boot/initrd.img-6.1.0-18-amd64', initramfsHasVirtio: false };

describe('chooseInitramfsPath', () => {
  it('appends to readable initramfs-tools images under auto and append', () => {
    expect(chooseInitramfsPath('auto', 'initramfs-tools', readable, false)).toEqual({
      path: 'append',
      reason: 'initramfs-tools images are appended to by default',
    });
    expect(chooseInitramfsPath('append', 'initramfs-tools', readable, false)).toEqual({
      path: 'append',
      reason: "the plugin's initramfs strategy is 'append'",
    });
  });

  it('appends to dracut images by default too', () => {
    expect(chooseInitramfsPath('auto', 'dracut', readable, false)).toEqual({ path: 'append', reason: 'dracut images are appended to by default' });
  });

  it('rebuilds, with the reason, whatever the append path does not cover', () => {
    expect(chooseInitramfsPath('rebuild', 'initramfs-tools', readable, false)).toEqual({
      path: 'rebuild',
      reason: "the plugin's initramfs strategy is 'rebuild'",
    });
    expect(chooseInitramfsPath('append', 'mkinitcpio', readable, false)).toEqual({
      path: 'rebuild',
      reason: 'appending is implemented for initramfs-tools, dracut images, not mkinitcpio',
    });
    expect(chooseInitramfsPath('auto', 'initramfs-tools', readable, true).reason).toMatch(/crypttab/);
    expect(chooseInitramfsPath('auto', 'initramfs-tools', { initramfsHasVirtio: false }, false)).toEqual({
      path: 'rebuild',
      reason: 'inspection found no initramfs image for this kernel',
    });
    expect(chooseInitramfsPath('auto', 'initramfs-tools', { initramfs: '/boot/initrd.img-6.1.0-18-amd64' }, false)).toEqual({
      path: 'rebuild',
      reason: 'inspection could not read its initramfs',
    });
  });
});
