import { describe, expect, it } from 'vitest';
import { S_IFDIR, S_IFREG, type CpioEntry } from '@hyper2kvm/guestfs';
import { declareModulesInImage, DRACUT_CMDLINE_DROPIN } from '../src/append/declare-modules.js';

const entry = (name: string, data = '', mode = S_IFREG | 0o644): CpioEntry => ({ name, mode, uid: 0, gid: 0, nlink: 1, mtime: 0, data: Buffer.from(data) });
const image = (...entries: CpioEntry[]): Map<string, CpioEntry> => new Map(entries.map((e) => [e.name, e]));
const MODULES = ['virtio_pci', 'virtio_blk', 'virtio_scsi'];

describe('declareModulesInImage', () => {
  it('initramfs-tools: extends conf/modules', () => {
    const declared = declareModulesInImage(image(entry('conf/modules', 'vmw_pvscsi\n'), entry('init', '#!/bin/sh\n')), MODULES);
    expect(declared).toMatchObject({ tool: 'initramfs-tools', name: 'conf/modules', existed: true });
    expect('data' in declared && declared.data.toString()).toMatch(/^vmw_pvscsi\n(.*\n)?virtio_pci\nvirtio_blk\nvirtio_scsi\n$/s);
  });

  it('dracut: a cmdline.d drop-in loading the modules before udev', () => {
    const declared = declareModulesInImage(image(entry('usr/lib/dracut-lib.sh', '#!/bin/sh\n'), entry('etc/cmdline.d', '', S_IFDIR | 0o755)), MODULES);
    expect(declared).toMatchObject({ tool: 'dracut', name: DRACUT_CMDLINE_DROPIN, existed: false });
    expect(
      'data' in declared &&
        declared.data
          .toString()
          .split('\n')
          .filter((line) => !line.startsWith('#')),
    ).toEqual(['rd.driver.pre=virtio_pci,virtio_blk,virtio_scsi', '']);
  });

  it('refuses an image no known tool built', () => {
    expect(declareModulesInImage(image(entry('init', '#!/bin/sh\n')), MODULES)).toEqual({
      reason: 'it has neither conf/modules (initramfs-tools) nor dracut-lib.sh (dracut), so no known tool built it',
    });
  });
});
