/**
 * `initramfs.rebuild` on the real bootable Debian 12 guest, through one real
 * libguestfs appliance: first the append path (modules added on the host,
 * checked with the guest's own lsinitramfs, unmkinitramfs and modprobe inside
 * the appliance), then, on the original image put back, the guest's own
 * update-initramfs.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_VERSION, Engine, inspectGuestFacts, pluginsInCode, type KernelFacts } from '@hyper2kvm/core';
import { openDiskGuest, recordingLogger, type DiskGuest } from '@hyper2kvm/plugin-kit';
import initramfsVirtio, { PREVIOUS_IMAGE_SUFFIX } from '../src/index.js';
import { imageDisks } from '../../../test-images/build.mjs';

const LONG = 900_000;
const FAILING_HOOK = '/etc/initramfs-tools/hooks/zz-hyper2kvm-test-fail';

let guest: DiskGuest;
let engine: Engine;
let appendEngine: Engine;
let kernel: KernelFacts;
const records: { msg: string; [key: string]: unknown }[] = [];

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await guest.appliance.readFile(path))
    .digest('hex');
}

async function initramfsFiles(image: string): Promise<string[]> {
  return (await guest.appliance.command(['lsinitramfs', image])).stdout.split('\n');
}

const hasModule = (files: string[], module: string): boolean => files.some((file) => new RegExp(`/${module}\\.ko(\\.(xz|zst|gz))?$`).test(file));

beforeAll(async () => {
  guest = await openDiskGuest(await imageDisks('debian-12-bootable'));
  engine = new Engine({
    plugins: pluginsInCode([[initramfsVirtio, { initramfs: { strategy: 'rebuild' } }]], 'test'),
    logger: recordingLogger(records),
    coreVersion: CORE_VERSION,
  });
  appendEngine = new Engine({ plugins: pluginsInCode([initramfsVirtio], 'test'), logger: recordingLogger(records), coreVersion: CORE_VERSION });
  await engine.inspect(guest.appliance, guest.facts);
  await appendEngine.inspect(guest.appliance, guest.facts);
  kernel = guest.facts.linux!.kernels[0]!;
}, LONG);

afterAll(async () => {
  await guest?.close();
});

describe('initramfs-virtio on the bootable Debian 12 guest', () => {
  it(
    'sees one kernel with virtio modules and an initramfs without them',
    async () => {
      expect(guest.facts.linux).toMatchObject({ distro: 'debian', initramfsTool: 'initramfs-tools' });
      expect(guest.facts.linux!.kernels).toHaveLength(1);
      expect(kernel.virtioBuiltIn).toBe(false);
      expect(kernel.virtioModules).toEqual(expect.arrayContaining(['virtio_blk', 'virtio_scsi', 'virtio_net', 'virtio_pci']));
      expect(kernel.initramfs).toBe(`/boot/initrd.img-${kernel.version}`);
      expect(hasModule(await initramfsFiles(kernel.initramfs!), 'virtio_blk')).toBe(false);
      // Inspection listed the real zstd image and found no virtio in it.
      expect(kernel.initramfsHasVirtio).toBe(false);
    },
    LONG,
  );

  it(
    'lists the initramfs in about a second: the cost inspection adds per kernel',
    async () => {
      const started = performance.now();
      const files = await guest.appliance.listInitramfs(kernel.initramfs!);
      const seconds = Math.round(performance.now() - started) / 1000;
      console.info(
        `listInitramfs of ${kernel.initramfs} (${(await guest.appliance.stat(kernel.initramfs!))!.size} bytes, ${files.length} files): ${seconds} s`,
      );
      expect(files).toEqual(expect.arrayContaining(['init', `usr/lib/modules/${kernel.version}/modules.dep`]));
      expect(files.some((file) => /\/vmw_pvscsi\.ko(\.\w+)?$/.test(file))).toBe(true);
    },
    LONG,
  );

  it(
    'by default appends the virtio modules on the host: the guest’s own tools find them, their dependencies and conf/modules, and everything else is kept',
    async () => {
      const image = kernel.initramfs!;
      const original = await guest.appliance.readFile(image);
      const originalModules = await guest.appliance.readFile('/etc/initramfs-tools/modules');
      const filesBefore = await initramfsFiles(image);
      const plan = await appendEngine.plan(guest.appliance, guest.facts);
      expect(plan.actions).toEqual([
        {
          key: 'initramfs.rebuild',
          requestedBy: [initramfsVirtio.name],
          params: {
            kernels: [kernel.version],
            append: [kernel.version],
            modules: expect.arrayContaining(['virtio_blk', 'virtio_pci', 'virtio_scsi', 'virtio_net']),
          },
        },
      ]);
      expect(plan.findings).toEqual([
        expect.objectContaining({ rule: 'initramfs-append', message: expect.stringContaining('initramfs-tools images are appended to by default') }),
      ]);

      const started = performance.now();
      await appendEngine.fix(guest.appliance, guest.facts, plan, { backupDir: join(guest.workDir, 'backup-append') });
      const seconds = Math.round(performance.now() - started) / 1000;
      console.info(`initramfs.rebuild (append path) of ${kernel.version}: ${seconds} s for the whole fix`);
      expect(plan.findings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            rule: 'initramfs-appended',
            severity: 'info',
            message: expect.stringMatching(/virtio_blk\.ko.*appended to \/boot\/initrd\.img-.*\(zstd, /),
          }),
        ]),
      );
      expect(plan.findings.some((finding) => finding.rule === 'initramfs-append-fallback')).toBe(false);

      // The guest's own lsinitramfs reads the new image: the old files are all there, the virtio modules too.
      const filesAfter = await initramfsFiles(image);
      expect(filesAfter).toEqual(expect.arrayContaining(filesBefore));
      for (const module of ['virtio_blk', 'virtio_scsi', 'virtio_pci', 'virtio_net']) expect(hasModule(filesAfter, module), module).toBe(true);
      // Unpacked by the guest's unmkinitramfs: conf/modules loads them, and the guest's modprobe resolves them with the new index.
      await guest.appliance.command(['unmkinitramfs', image, '/tmp/h2k-unpacked']);
      const root = (await guest.appliance.exists('/tmp/h2k-unpacked/main')) ? '/tmp/h2k-unpacked/main' : '/tmp/h2k-unpacked';
      const declared = (await guest.appliance.readFile(`${root}/conf/modules`)).toString('utf8');
      expect(declared).toMatch(/\nvirtio_pci\n/);
      expect(declared).toMatch(/\nvirtio_blk\n/);
      const resolved = await guest.appliance.command(['modprobe', '-d', `${root}/usr`, '-S', kernel.version, '--show-depends', 'virtio_blk']);
      expect(resolved.stdout).toMatch(/insmod \S+\/virtio_blk\.ko/);
      for (const line of resolved.stdout.split('\n').filter((text) => text.startsWith('insmod '))) {
        expect(await guest.appliance.exists(line.split(' ')[1]!), line).toBe(true);
      }
      const alias = await guest.appliance.command([
        'modprobe',
        '-d',
        `${root}/usr`,
        '-S',
        kernel.version,
        '-R',
        'pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00',
      ]);
      expect(alias.stdout.trim()).toBe('virtio_pci');
      // The guest's own config declares them too, for its next rebuild.
      expect((await guest.appliance.readFile('/etc/initramfs-tools/modules')).toString('utf8')).toContain('\nvirtio_blk\n');

      // Back to the original image and config for the rebuild tests below.
      await guest.appliance.writeFile(image, original);
      await guest.appliance.writeFile('/etc/initramfs-tools/modules', originalModules);
    },
    LONG,
  );

  it(
    'puts the previous image back when the guest’s tool fails, with the tool’s last line in the error',
    async () => {
      const image = kernel.initramfs!;
      const before = await sha256(image);
      await guest.appliance.writeFile(FAILING_HOOK, '#!/bin/sh\n[ "$1" = prereqs ] && exit 0\necho "test hook refuses to build" >&2\nexit 3\n', {
        mode: 0o755,
      });
      const plan = await engine.plan(guest.appliance, guest.facts);
      expect(plan.actions).toEqual([{ key: 'initramfs.rebuild', requestedBy: [initramfsVirtio.name], params: { kernels: [kernel.version] } }]);

      const failure = await engine.fix(guest.appliance, guest.facts, plan, { backupDir: join(guest.workDir, 'backup-1') }).then(
        () => null,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toContain(
        `update-initramfs -u -k ${kernel.version} failed for kernel ${kernel.version} (previous image restored): update-initramfs: failed for ${image} with `,
      );
      expect(await sha256(image)).toBe(before);
      expect(await guest.appliance.exists(`${image}${PREVIOUS_IMAGE_SUFFIX}`)).toBe(false);
      await guest.appliance.remove(FAILING_HOOK);
    },
    LONG,
  );

  it(
    'declares the modules, rebuilds with update-initramfs inside the appliance, and lets the old image go only after',
    async () => {
      const image = kernel.initramfs!;
      const before = await sha256(image);
      const plan = await engine.plan(guest.appliance, guest.facts);
      // The modules file was written by the failed run above; only the rebuild is left.
      expect(plan.changes).toEqual([]);
      expect(plan.findings).toEqual([expect.objectContaining({ rule: 'initramfs-rebuild', message: expect.stringContaining("strategy is 'rebuild'") })]);
      records.length = 0;
      const started = performance.now();
      await engine.fix(guest.appliance, guest.facts, plan, { backupDir: join(guest.workDir, 'backup-2') });
      const seconds = Math.round(performance.now() - started) / 1000;
      console.info(`initramfs.rebuild of ${kernel.version} inside the appliance: ${seconds} s`);

      const modules = (await guest.appliance.readFile('/etc/initramfs-tools/modules')).toString('utf8');
      expect(modules).toMatch(/# Added by hyper2kvm: virtio drivers for KVM\.\n(virtio\w*\n)+$/);
      expect(modules).toContain('\nvirtio_blk\n');
      const files = await initramfsFiles(image);
      for (const module of ['virtio_blk', 'virtio_scsi', 'virtio_pci', 'virtio_net']) expect(hasModule(files, module), module).toBe(true);
      expect(await sha256(image)).not.toBe(before);
      expect(await guest.appliance.exists(`${image}${PREVIOUS_IMAGE_SUFFIX}`)).toBe(false);
      const steps = records.filter((record) => record.plugin === initramfsVirtio.name).map((record) => record.msg);
      expect(steps).toEqual([`kept the previous initramfs as ${image}${PREVIOUS_IMAGE_SUFFIX}`, `built ${image}`, `removed ${image}${PREVIOUS_IMAGE_SUFFIX}`]);
    },
    LONG,
  );

  it(
    'inspects the rebuilt initramfs as carrying virtio, and a second plan leaves it alone',
    async () => {
      const facts = await engine.inspect(guest.appliance, await inspectGuestFacts(guest.appliance, { hints: { type: 'linux', arch: guest.facts.os.arch } }));
      expect(facts.linux!.kernels.map((k) => [k.version, k.initramfsHasVirtio])).toEqual([[kernel.version, true]]);
      const plan = await engine.plan(guest.appliance, facts);
      expect(plan.actions).toEqual([]);
      expect(plan.findings).toEqual([
        expect.objectContaining({
          rule: 'initramfs-has-virtio',
          severity: 'info',
          message: expect.stringContaining(
            `kernel ${kernel.version} (${kernel.initramfs}) already carries virtio_pci, virtio_blk, virtio_scsi; it is not rebuilt`,
          ),
        }),
      ]);
    },
    LONG,
  );
});
