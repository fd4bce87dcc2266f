import { describe, expect, it } from 'vitest';
import { crypttabNames } from './luks-volumes.js';

describe('crypttabNames', () => {
  it('reads the names by LUKS UUID (UUID= and by-uuid paths) and by device, skipping comments', () => {
    const names = crypttabNames(`# <target name> <source device> <key file> <options>
sda2_crypt UUID=5B7D9F1A-3c5e-4a7b-9d1f-2e4a6c8e0b2d none luks,discard
luks-0a1b2c3d-1111-2222-3333-444455556666 /dev/disk/by-uuid/0a1b2c3d-1111-2222-3333-444455556666 none discard
swap_crypt /dev/sdb1 /dev/urandom swap,cipher=aes-xts-plain64
`);
    expect([...names.byUuid]).toEqual([
      ['5b7d9f1a-3c5e-4a7b-9d1f-2e4a6c8e0b2d', 'sda2_crypt'],
      ['0a1b2c3d-1111-2222-3333-444455556666', 'luks-0a1b2c3d-1111-2222-3333-444455556666'],
    ]);
    expect([...names.byDevice]).toEqual([['/dev/sdb1', 'swap_crypt']]);
  });
});
