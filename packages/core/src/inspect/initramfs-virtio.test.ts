import { describe, expect, it } from 'vitest';
import { initramfsHasVirtio, initramfsModules, moduleNameOf } from './initramfs-virtio.js';

const VERSION = '6.1.0-18-amd64';

describe('initramfsModules', () => {
  it('takes the .ko files under [usr/]lib/modules/<version>/, compressed or not, with - read as _', () => {
    const files = [
      '.',
      'usr/lib/modules/6.1.0-18-amd64/kernel/drivers/block/virtio_blk.ko',
      './lib/modules/6.1.0-18-amd64/kernel/drivers/virtio/virtio_pci.ko.xz',
      '/usr/lib/modules/6.1.0-18-amd64/kernel/drivers/scsi/virtio_scsi.ko.zst',
      'usr/lib/modules/6.1.0-18-amd64/kernel/drivers/char/hw_random/virtio-rng.ko.gz',
      'usr/lib/modules/6.1.0-18-amd64/modules.dep',
      'usr/lib/modules/6.1.0-17-amd64/kernel/drivers/net/virtio_net.ko',
      'usr/lib/firmware/virtio_console.ko',
      'usr/lib/modules/6.1.0-18-amd64/kernel/drivers/block',
    ];
    expect([...initramfsModules(files, VERSION)].sort()).toEqual(['virtio_blk', 'virtio_pci', 'virtio_rng', 'virtio_scsi']);
  });

  it('moduleNameOf strips the folder and the .ko extension', () => {
    expect(moduleNameOf('kernel/drivers/char/hw_random/virtio-rng.ko.zst')).toBe('virtio_rng');
    expect(moduleNameOf('virtio_blk.ko')).toBe('virtio_blk');
  });
});

describe('initramfsHasVirtio', () => {
  const modular = { virtioBuiltIn: false, virtioModules: ['virtio_pci', 'virtio_blk', 'virtio_scsi', 'virtio_net'] };

  it('needs each of virtio_pci, virtio_blk and virtio_scsi the kernel has as a module', () => {
    expect(initramfsHasVirtio(new Set(['virtio_pci', 'virtio_blk', 'virtio_scsi']), modular)).toBe(true);
    expect(initramfsHasVirtio(new Set(['virtio_pci', 'virtio_blk']), modular)).toBe(false);
    expect(initramfsHasVirtio(new Set(['virtio_blk', 'virtio_scsi']), modular)).toBe(false);
    expect(initramfsHasVirtio(new Set(['vmw_pvscsi', 'mptspi']), modular)).toBe(false);
  });

  it('does not ask for what is built in or what the kernel does not have', () => {
    expect(initramfsHasVirtio(new Set(['virtio_blk']), { virtioBuiltIn: false, virtioModules: ['virtio_blk'] })).toBe(true);
    expect(initramfsHasVirtio(new Set(), { virtioBuiltIn: true, virtioModules: [] })).toBe(true);
    expect(initramfsHasVirtio(new Set(['virtio_scsi']), { virtioBuiltIn: true, virtioModules: ['virtio_scsi'] })).toBe(true);
    expect(initramfsHasVirtio(new Set(), { virtioBuiltIn: true, virtioModules: ['virtio_scsi'] })).toBe(false);
  });

  it('is false for a kernel with no virtio_blk at all', () => {
    expect(initramfsHasVirtio(new Set(['virtio_pci']), { virtioBuiltIn: false, virtioModules: ['virtio_pci'] })).toBe(false);
  });
});
