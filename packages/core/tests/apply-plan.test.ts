import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_VERSION, Engine, GuestFsError, emptyFacts } from '../src/index.js';
import { MemoryGuest, testPlugin } from './helpers.js';

/** A MemoryGuest on a file system of `capacity` bytes: a write that would hold more fails as the kernel's would (ENOSPC). */
class FullableGuest extends MemoryGuest {
  constructor(
    files: Record<string, string>,
    readonly capacity: number,
  ) {
    super(files);
  }

  override async writeFile(path: string, data: Buffer | string): Promise<void> {
    const used = [...this.files].reduce((sum, [name, content]) => sum + (name === path ? 0 : content.length), 0);
    // capacity is unset while MemoryGuest's constructor seeds the files.
    if (this.capacity !== undefined && used + Buffer.byteLength(data) > this.capacity) throw new Error(`write ${path}: No space left on device`);
    return super.writeFile(path, data);
  }
}

describe('applyPlan failures', () => {
  it('names the change that failed, who planned it, and what was and was not applied', async () => {
    const files = {
      '/etc/fstab': '/dev/sda1 / ext4 defaults 0 1\n',
      '/boot/grub/grub.cfg': 'linux /vmlinuz root=/dev/sda1\n',
      '/boot/grub/device.map': '(hd0) /dev/sda\n',
    };
    const plugin = testPlugin({
      name: 'names',
      apply: (hooks) =>
        hooks.plan.tapPromise('names', async (p) => {
          await p.editFile('/etc/fstab', (text) => text.replace('/dev/sda1', 'UUID=1'), 'fstab by UUID');
          await p.editFile('/boot/grub/grub.cfg', (text) => text.replace('root=/dev/sda1', 'root=UUID=6f1c3e9a-2b7d-4c5e-9a8f-1d2e3f4a5b6c'), 'root= by UUID');
          await p.deleteFile('/boot/grub/device.map', 'no pinned names');
        }),
    });
    const engine = new Engine({ plugins: [{ plugin, options: {} }], coreVersion: CORE_VERSION });
    const capacity = Object.values(files).reduce((sum, text) => sum + text.length, 0);
    const guest = new FullableGuest(files, capacity);
    const facts = await engine.inspect(guest, emptyFacts());
    const plan = await engine.plan(guest, facts);
    expect(plan.changes).toHaveLength(3);

    const error = await engine.fix(guest, facts, plan, { backupDir: await mkdtemp(join(tmpdir(), 'h2k-')) }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(GuestFsError);
    expect((error as GuestFsError).code).toBe('CHANGE_FAILED');
    expect((error as GuestFsError).message).toBe(
      'change 2 of 3 failed (write /boot/grub/grub.cfg, planned by names): write /boot/grub/grub.cfg: No space left on device; 1 change(s) before it were applied, it and the 1 after it were not',
    );
    expect(guest.files.get('/etc/fstab')?.toString()).toBe('UUID=1 / ext4 defaults 0 1\n');
    expect(guest.files.has('/boot/grub/device.map')).toBe(true);
  });
});
