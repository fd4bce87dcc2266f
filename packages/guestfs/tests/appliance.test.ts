import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestFsError } from '@hyper2kvm/core';
import { GuestfsAppliance, applianceLaunchCount } from '../src/index.js';
import type { OsInspection } from '../src/index.js';
import { DISK_SIGNATURE, FSTAB, HOSTNAME, ROOT_LABEL, ROOT_UUID, buildTestImage } from './test-image.js';
import type { TestImage } from './test-image.js';

process.env['LIBGUESTFS_BACKEND'] = 'direct';

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

describe('GuestfsAppliance on a phony Ubuntu 22.04 VMDK behind a qcow2 overlay', () => {
  let image: TestImage;
  let sourceHash: string;
  let appliance: GuestfsAppliance;
  let inspection: OsInspection | null;
  let launchesBefore: number;
  let ticksDuringLaunch = 0;
  const verdicts: { accel: string; reason: string }[] = [];

  beforeAll(async () => {
    image = await buildTestImage();
    sourceHash = await sha256(image.vmdk);
    launchesBefore = applianceLaunchCount();
    // A timer that must keep firing while the appliance boots on its own thread.
    const timer = setInterval(() => (ticksDuringLaunch += 1), 100);
    try {
      appliance = await GuestfsAppliance.launch({ disks: [{ path: image.overlay, format: 'qcow2' }], onAccelerator: (verdict) => verdicts.push(verdict) });
    } finally {
      clearInterval(timer);
    }
    inspection = await appliance.inspectOs();
    if (inspection !== null) await appliance.mountGuest(inspection);
  });

  afterAll(async () => {
    await appliance?.close();
    if (image) await rm(image.dir, { recursive: true, force: true });
  });

  it('launched exactly one appliance, with TCG, without blocking the event loop', () => {
    expect(applianceLaunchCount() - launchesBefore).toBe(1);
    expect(appliance.kind).toBe('libguestfs');
    expect(appliance.accel.accel).toBe('tcg');
    // Told before the launch (a progress display says it while the appliance boots).
    expect(verdicts).toEqual([appliance.accel]);
    // The launch takes seconds; a blocked loop would have run the 100 ms timer about once.
    expect(ticksDuringLaunch).toBeGreaterThan(appliance.launchMs / 100 / 2);
  });

  it('inspects the guest as Ubuntu 22.04', () => {
    expect(inspection).toMatchObject({
      root: '/dev/sda1',
      otherRoots: [],
      type: 'linux',
      distro: 'ubuntu',
      majorVersion: 22,
      minorVersion: 4,
      hostname: HOSTNAME,
      packageFormat: 'deb',
      packageManagement: 'apt',
      mountpoints: [{ mountpoint: '/', device: '/dev/sda1' }],
    });
    expect(inspection?.productName).toContain('Ubuntu 22.04');
    expect(appliance.mountedPaths).toEqual(['/']);
  });

  it('reads files byte for byte', async () => {
    expect((await appliance.readFile('/etc/fstab')).toString('utf8')).toBe(FSTAB);
    expect(await appliance.readFile('/boot/vmlinuz-5.15.0-91-generic')).toEqual(Buffer.alloc(4096, 0xa5));
  });

  it('writes text and binary files and reads them back', async () => {
    await appliance.writeFile('/etc/hyper2kvm-test.conf', 'virtio=yes\n', { mode: 0o600 });
    expect((await appliance.readFile('/etc/hyper2kvm-test.conf')).toString()).toBe('virtio=yes\n');
    expect(await appliance.stat('/etc/hyper2kvm-test.conf')).toEqual({ type: 'file', size: 11, mode: 0o600 });

    const binary = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    await appliance.writeFile('/etc/binary.bin', binary);
    expect(await appliance.readFile('/etc/binary.bin')).toEqual(binary);

    await appliance.writeFile('/etc/empty', '');
    expect(await appliance.readFile('/etc/empty')).toEqual(Buffer.alloc(0));
  });

  it('moves files bigger than one protocol message through upload/download', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024 + 1000, 0x42);
    big.write('head', 0);
    await appliance.writeFile('/var-big.bin', big);
    expect(await appliance.readFile('/var-big.bin')).toEqual(big);
    await appliance.remove('/var-big.bin');
  });

  it('globs, lists, stats and reads links', async () => {
    expect(await appliance.glob('/boot/*-5.15.0-91-generic')).toEqual(['/boot/initrd.img-5.15.0-91-generic', '/boot/vmlinuz-5.15.0-91-generic']);
    expect(await appliance.glob('/lib/modules/*')).toEqual(['/lib/modules/5.15.0-91-generic']);
    expect(await appliance.glob('/nothing/*')).toEqual([]);
    expect(await appliance.readdir('/boot')).toEqual(['initrd.img-5.15.0-91-generic', 'vmlinuz-5.15.0-91-generic']);
    expect(await appliance.stat('/boot')).toMatchObject({ type: 'directory' });
    expect(await appliance.stat('/boot/vmlinuz-5.15.0-91-generic')).toMatchObject({ type: 'file', size: 4096 });
    expect(await appliance.stat('/no/such/file')).toBeNull();
    expect(await appliance.exists('/etc/hostname')).toBe(true);
    expect(await appliance.exists('/etc/nope')).toBe(false);

    await appliance.symlink('vmlinuz-5.15.0-91-generic', '/boot/vmlinuz');
    expect(await appliance.stat('/boot/vmlinuz')).toMatchObject({ type: 'symlink' });
    expect(await appliance.readlink('/boot/vmlinuz')).toBe('vmlinuz-5.15.0-91-generic');
  });

  it('creates, renames, chmods and removes', async () => {
    await appliance.mkdirp('/etc/hyper2kvm/backup/deep');
    expect(await appliance.stat('/etc/hyper2kvm/backup/deep')).toMatchObject({ type: 'directory' });
    await appliance.writeFile('/etc/hyper2kvm/a.txt', 'a');
    await appliance.rename('/etc/hyper2kvm/a.txt', '/etc/hyper2kvm/b.txt');
    expect(await appliance.exists('/etc/hyper2kvm/a.txt')).toBe(false);
    expect((await appliance.readFile('/etc/hyper2kvm/b.txt')).toString()).toBe('a');
    await appliance.chmod('/etc/hyper2kvm/b.txt', 0o755);
    expect(await appliance.stat('/etc/hyper2kvm/b.txt')).toMatchObject({ mode: 0o755 });
    await appliance.remove('/etc/hyper2kvm');
    expect(await appliance.exists('/etc/hyper2kvm')).toBe(false);
    await appliance.remove('/etc/hyper2kvm'); // absent: no error
  });

  it('uploads and downloads host files', async () => {
    const hostFile = join(image.dir, 'upload.txt');
    await writeFile(hostFile, 'from the host\n');
    await appliance.upload(hostFile, '/etc/uploaded.txt');
    const back = join(image.dir, 'download.txt');
    await appliance.download('/etc/uploaded.txt', back);
    expect(await readFile(back, 'utf8')).toBe('from the host\n');
  });

  it('resolves paths case-insensitively', async () => {
    expect(await appliance.resolveCaseInsensitive('/program data/MIXED CASE/settings.ini')).toBe('/Program Data/Mixed Case/Settings.INI');
    expect(await appliance.resolveCaseInsensitive('/PROGRAM DATA/missing.ini')).toBeNull();
    expect(await appliance.resolveCaseInsensitive('/nowhere/at/all')).toBeNull();
  });

  it('lists file systems with UUID, label and PARTUUID', async () => {
    expect(await appliance.filesystems()).toEqual([
      { device: '/dev/sda1', type: 'ext4', uuid: ROOT_UUID, label: ROOT_LABEL, partuuid: `${DISK_SIGNATURE}-01` },
    ]);
  });

  it('reports failures as GuestFsError with the libguestfs message', async () => {
    const failure = await appliance.readFile('/etc/missing.conf').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GuestFsError);
    expect((failure as GuestFsError).code).toBe('GUESTFS_CALL_FAILED');
    expect((failure as Error).message).toBe('libguestfs: read /etc/missing.conf: open: /etc/missing.conf: No such file or directory');

    // The guest has no real programs: running one fails with libguestfs' reason.
    const command = await appliance.command(['/usr/bin/true']).catch((error: unknown) => error);
    expect(command).toBeInstanceOf(GuestFsError);
    expect((command as Error).message).toMatch(/^libguestfs: command \/usr\/bin\/true: /);
  });

  it('rejects paths that are not absolute and normalised before calling libguestfs', async () => {
    await expect(appliance.readFile('etc/fstab')).rejects.toThrow('is not absolute');
    await expect(appliance.readFile('/etc/../../host')).rejects.toThrow('is not normalised');
    await expect(appliance.writeFile('/etc/a\0b', 'x')).rejects.toThrow('NUL');
  });

  it('keeps the event loop free during a long call', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 20);
    const started = performance.now();
    // fstrim on a fresh 63 MiB ext4 plus sync: the appliance is busy for a while.
    await appliance.fstrim();
    await appliance.sync();
    await appliance.readdir('/lib/modules/5.15.0-91-generic/kernel/drivers');
    clearInterval(timer);
    const elapsed = performance.now() - started;
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 20 / 3));
  });

  it('passes fstrim through to the overlay: space the guest freed becomes zero clusters', async () => {
    // Bytes at the top of the overlay, by kind (qemu-img -U: the appliance holds the image open).
    const overlayBytes = async (): Promise<{ data: number; zero: number }> => {
      const { stdout } = await execa('qemu-img', ['map', '-U', '--output=json', '-f', 'qcow2', image.overlay]);
      const extents = JSON.parse(stdout) as { length: number; depth: number; data: boolean; zero: boolean }[];
      const top = extents.filter((extent) => extent.depth === 0);
      return {
        data: top.filter((e) => e.data).reduce((sum, e) => sum + e.length, 0),
        zero: top.filter((e) => e.zero && !e.data).reduce((sum, e) => sum + e.length, 0),
      };
    };
    const files = ['/scratch-1', '/scratch-2', '/scratch-3'];
    for (const file of files) await appliance.writeFile(file, randomBytes(2 * 1024 * 1024));
    await appliance.sync();
    const written = await overlayBytes();
    expect(written.data).toBeGreaterThanOrEqual(6 * 1024 * 1024);
    for (const file of files) await appliance.remove(file);
    await appliance.fstrim();
    await appliance.sync();
    const trimmed = await overlayBytes();
    expect(written.data - trimmed.data).toBeGreaterThanOrEqual(6 * 1024 * 1024);
    expect(trimmed.zero).toBeGreaterThanOrEqual(6 * 1024 * 1024);
  });

  it('answers 100 small reads', async () => {
    const time = async (calls: () => Promise<unknown>): Promise<string> => {
      const started = performance.now();
      for (let i = 0; i < 100; i += 1) await calls();
      return ((performance.now() - started) / 100).toFixed(2);
    };
    const readMs = await time(() => appliance.readFile('/etc/hostname'));
    const existsMs = await time(() => appliance.exists('/etc/hostname'));
    console.info(`launch ${appliance.launchMs} ms; per call: readFile ${readMs} ms, exists ${existsMs} ms`);
    expect((await appliance.readFile('/etc/hostname')).toString()).toBe(`${HOSTNAME}\n`);
  });

  it('leaves the source VMDK byte-identical and closes idempotently', async () => {
    await appliance.sync();
    expect(await sha256(image.vmdk)).toBe(sourceHash);
    await appliance.close();
    await appliance.close();
    await expect(appliance.readFile('/etc/fstab')).rejects.toThrow(GuestFsError);
    expect(await sha256(image.vmdk)).toBe(sourceHash);
  });
});
