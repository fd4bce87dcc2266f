import { describe, expect, it } from 'vitest';
import { moduleClosure, parseModulesDep } from '../src/append/module-deps.js';

// Lines as Debian 12's depmod writes them for 6.1 (virtio and virtio_ring are modules there).
const MODULES_DEP = `kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/net/core/failover.ko:
kernel/drivers/char/hw_random/virtio-rng.ko.xz: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
`;

describe('moduleClosure', () => {
  it('lists each module after what it depends on, each file once', () => {
    const closure = moduleClosure(parseModulesDep(MODULES_DEP), ['virtio_pci', 'virtio_blk', 'virtio_net']);
    expect(closure.missing).toEqual([]);
    expect(closure.files).toEqual([
      'kernel/drivers/virtio/virtio.ko',
      'kernel/drivers/virtio/virtio_ring.ko',
      'kernel/drivers/virtio/virtio_pci_modern_dev.ko',
      'kernel/drivers/virtio/virtio_pci_legacy_dev.ko',
      'kernel/drivers/virtio/virtio_pci.ko',
      'kernel/drivers/block/virtio_blk.ko',
      'kernel/net/core/failover.ko',
      'kernel/drivers/net/net_failover.ko',
      'kernel/drivers/net/virtio_net.ko',
    ]);
  });

  it('matches dashes and underscores alike, and names what modules.dep lacks', () => {
    const closure = moduleClosure(parseModulesDep(MODULES_DEP), ['virtio_rng', 'virtio-blk', 'virtio_scsi']);
    expect(closure.files.at(-1)).toBe('kernel/drivers/block/virtio_blk.ko');
    expect(closure.files).toContain('kernel/drivers/char/hw_random/virtio-rng.ko.xz');
    expect(closure.missing).toEqual(['virtio_scsi']);
  });
});
