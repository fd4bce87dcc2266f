// The handle thread (handle-worker.js) with the real libguestfs.so.0, without
// launching an appliance: calls reach the library, and a failing call brings
// back libguestfs' own message and errno, read on the thread that made it.
import { describe, expect, it } from 'vitest';
import { describeCall, GuestfsCallError, GuestfsHandle } from './ffi.js';

describe('a libguestfs handle on its own thread', () => {
  it('sets and reads a setting through the real library', async () => {
    const handle = await GuestfsHandle.open();
    try {
      await handle.call('guestfs_set_memsize', [768]);
      await handle.call('guestfs_set_network', [0]);
      expect(await handle.call('guestfs_get_backend_settings', [])).toBeInstanceOf(Array);
    } finally {
      await handle.close();
    }
  });

  it("brings back libguestfs' message for a call it refuses", async () => {
    const handle = await GuestfsHandle.open();
    try {
      const error = await handle.call('guestfs_mount', ['/dev/sda1', '/'], 'mount /dev/sda1 on /').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GuestfsCallError);
      expect((error as GuestfsCallError).message).toMatch(/^libguestfs: mount \/dev\/sda1 on \/: .*launch/);
    } finally {
      await handle.close();
    }
  });
});

describe('describeCall', () => {
  it('names the call and its plain arguments, and never shows a LUKS key', () => {
    expect(describeCall('guestfs_mount', ['/dev/sda1', '/'])).toBe('mount /dev/sda1 /');
    expect(describeCall('guestfs_luks_open', ['/dev/sda2', 'the passphrase', 'sda2_crypt'])).toBe('luks_open /dev/sda2 *** sda2_crypt');
  });
});
