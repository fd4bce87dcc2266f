/**
 * `inspect --json` on a phony Ubuntu whose default kernel's initramfs (an
 * early microcode archive, then a gzip'd one) already carries virtio: one real
 * appliance, the images listed from the real disk.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GuestFacts } from '@hyper2kvm/core';
import { runCli } from './run-cli.js';
import { describeFacts } from '../src/commands/inspect.js';
import { ensureImage } from './test-image.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';

const IMAGE = 'ubuntu-2204-virtio-initramfs';
/** An appliance boot under TCG on a busy 2-CPU machine can take minutes. */
const INSPECT_TIMEOUT_MS = 900_000;

let code: number;
let facts: GuestFacts;

beforeAll(async () => {
  const { files } = await ensureImage(IMAGE);
  // An empty folder as cwd: no config file, the built-in preset.
  const cwd = await mkdtemp(join(tmpdir(), 'hyper2kvm-inspect-initramfs-'));
  const result = await runCli(['inspect', '--json', files.vmdk!], cwd);
  code = result.code;
  facts = (JSON.parse(result.stdout) as { facts: GuestFacts }).facts;
}, INSPECT_TIMEOUT_MS);

describe(`inspect --json ${IMAGE}`, () => {
  it('says which initramfs already carries virtio', () => {
    expect(code).toBe(0);
    expect(facts.linux!.kernels.map(({ version, initramfs, initramfsHasVirtio }) => ({ version, initramfs, initramfsHasVirtio }))).toEqual([
      { version: '5.15.0-91-generic', initramfs: '/boot/initrd.img-5.15.0-91-generic', initramfsHasVirtio: true },
      { version: '5.15.0-88-generic', initramfs: '/boot/initrd.img-5.15.0-88-generic', initramfsHasVirtio: false },
    ]);
  });

  it('shows it in the text output too', () => {
    expect(describeFacts(facts)).toContain(
      'Kernel:      5.15.0-91-generic (virtio modules: virtio_pci virtio_blk virtio_scsi virtio_net virtio_console virtio_rng virtio_balloon) initramfs /boot/initrd.img-5.15.0-91-generic (virtio in it: yes)',
    );
    expect(describeFacts(facts)).toContain('initramfs /boot/initrd.img-5.15.0-88-generic (virtio in it: no)');
  });
});
