import { describe, expect, it } from 'vitest';
import { addWordsToVariable, appendModuleLines } from '../src/index.js';

describe('module declarations in shell-style configs', () => {
  it('adds to the last active assignment, keeping its quotes and a trailing comment', () => {
    expect(addWordsToVariable("MODULES='a'\nMODULES='b'  # ours\n", 'MODULES', ['virtio_blk'], 'shell-string')).toBe(
      "MODULES='a'\nMODULES='b virtio_blk'  # ours\n",
    );
  });

  it('quotes an unquoted value that gains a second word, in the syntax of the tool', () => {
    expect(addWordsToVariable('INITRD_MODULES=ata_piix\n', 'INITRD_MODULES', ['virtio_blk'], 'shell-string')).toBe('INITRD_MODULES="ata_piix virtio_blk"\n');
    expect(addWordsToVariable('MODULES=\n', 'MODULES', ['virtio_blk', 'virtio_pci'], 'bash-array')).toBe('MODULES=(virtio_blk virtio_pci)\n');
  });

  it('keeps the old string syntax of mkinitcpio.conf', () => {
    expect(addWordsToVariable('MODULES=""\n', 'MODULES', ['virtio_blk'], 'bash-array')).toBe('MODULES="virtio_blk"\n');
  });

  it('appends an assignment when the variable is not set, and creates a missing file', () => {
    expect(addWordsToVariable('# nothing\n', 'features', ['virtio'], 'features')).toBe(
      '# nothing\n# Added by hyper2kvm: virtio drivers for KVM.\nfeatures="virtio"\n',
    );
    expect(appendModuleLines(null, ['virtio_blk'])).toBe('# Added by hyper2kvm: virtio drivers for KVM.\nvirtio_blk\n');
  });

  it('treats a module with options as declared', () => {
    expect(appendModuleLines('virtio_blk queue_depth=64', ['virtio_blk'])).toBe('virtio_blk queue_depth=64');
  });
});
