import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { planWithPlugins, type GuestTree, type PlanOutcome } from '@hyper2kvm/plugin-kit';
import initramfsVirtio from '../src/index.js';

const VIRTIO_KO = {
  virtio_blk: 'kernel/drivers/block/virtio_blk.ko',
  virtio_scsi: 'kernel/drivers/scsi/virtio_scsi.ko',
  virtio_net: 'kernel/drivers/net/virtio_net.ko',
  virtio_pci: 'kernel/drivers/virtio/virtio_pci.ko',
  virtio_console: 'kernel/drivers/char/virtio_console.ko',
  virtio_balloon: 'kernel/drivers/virtio/virtio_balloon.ko',
  virtio_rng: 'kernel/drivers/char/hw_random/virtio-rng.ko.zst',
};

/** The newc cpio writer the test images use. */
const { cpioArchive } = (await import(fileURLToPath(new URL('../../../test-images/lib/content.mjs', import.meta.url)))) as {
  cpioArchive(files: Record<string, string>): Buffer;
};

/** A real initramfs image: an uncompressed early microcode archive, then a gzip'd archive with these modules of `version`. */
function initramfsImage(version: string, modules: string[]): Buffer {
  const early = cpioArchive({ 'kernel/x86/microcode/GenuineIntel.bin': 'microcode' });
  const files = Object.fromEntries(modules.map((path) => [`usr/lib/modules/${version}/${path}`, 'module']));
  return Buffer.concat([early, gzipSync(cpioArchive({ init: '#!/bin/sh\n', ...files }))]);
}

/** A kernel under /boot with its modules: `loadable` become modules.dep lines, `builtIn` symbols go into its config. */
function kernel(version: string, options: { loadable?: (keyof typeof VIRTIO_KO)[]; builtIn?: string[]; initramfs?: string; image?: Buffer } = {}): GuestTree {
  const loadable = options.loadable ?? [];
  return {
    [`/boot/vmlinuz-${version}`]: 'kernel image',
    [options.initramfs ?? `/boot/initrd.img-${version}`]: options.image ?? 'old initramfs',
    [`/boot/config-${version}`]: ['CONFIG_MODULES=y', ...(options.builtIn ?? []).map((symbol) => `${symbol}=y`)].join('\n') + '\n',
    [`/lib/modules/${version}/modules.dep`]: ['kernel/drivers/scsi/vmw_pvscsi.ko:', ...loadable.map((name) => `${VIRTIO_KO[name]}:`)].join('\n') + '\n',
    [`/lib/modules/${version}/modules.builtin`]: '',
  };
}

const ALL = ['virtio_blk', 'virtio_scsi', 'virtio_net', 'virtio_pci', 'virtio_console', 'virtio_balloon', 'virtio_rng'] as const;

let outcome: PlanOutcome | undefined;
afterEach(async () => {
  await outcome?.cleanup();
  outcome = undefined;
});

async function plan(guest: GuestTree): Promise<PlanOutcome> {
  outcome = await planWithPlugins({ plugins: [initramfsVirtio], guest });
  return outcome;
}

describe('initramfs-virtio on initramfs-tools (Ubuntu 22.04)', () => {
  it('appends only the missing modules to /etc/initramfs-tools/modules and asks to rebuild both kernels', async () => {
    const result = await plan({
      '/etc/os-release': 'ID=ubuntu\nVERSION_ID="22.04"\n',
      '/usr/sbin/update-initramfs': '#!/bin/sh\n',
      '/etc/initramfs-tools/modules': '# List of modules that you want to include in your initramfs.\nvmw_pvscsi\nvirtio-net\n',
      ...kernel('5.15.0-91-generic', { loadable: [...ALL], builtIn: ['CONFIG_VIRTIO'] }),
      ...kernel('5.15.0-88-generic', { loadable: ['virtio_blk', 'virtio_net', 'virtio_pci'] }),
    });
    expect(await result.fileAfter('/etc/initramfs-tools/modules')).toBe(
      '# List of modules that you want to include in your initramfs.\nvmw_pvscsi\nvirtio-net\n# Added by hyper2kvm: virtio drivers for KVM.\nvirtio_pci\nvirtio_blk\nvirtio_scsi\nvirtio_console\nvirtio_rng\nvirtio_balloon\n',
    );
    // 5.15.0-88 is an older build of the same series: the boot menu starts 5.15.0-91, so only that one is prepared.
    expect(result.plan.actions).toEqual([{ key: 'initramfs.rebuild', requestedBy: [initramfsVirtio.name], params: { kernels: ['5.15.0-91-generic'] } }]);
    // 'old initramfs' is not an image inspection can read: the guest's own tool rebuilds it, and the plan says so.
    expect(result.plan.findings).toEqual([
      {
        plugin: initramfsVirtio.name,
        rule: 'older-kernel-left',
        severity: 'info',
        message:
          'kernel 5.15.0-88-generic is left without virtio in its initramfs: 5.15.0-91-generic is a newer build of the same series (5.15 generic), the one its boot menu starts',
        hint: "set the initramfs-virtio option initramfs.kernels to 'all' to prepare every installed kernel",
      },
      {
        plugin: initramfsVirtio.name,
        rule: 'initramfs-rebuild',
        severity: 'info',
        message: 'kernel 5.15.0-91-generic: its initramfs is rebuilt with initramfs-tools in the appliance because inspection could not read its initramfs',
      },
    ]);
  });

  it('prepares every installed kernel with initramfs.kernels: all', async () => {
    outcome = await planWithPlugins({
      plugins: [[initramfsVirtio, { initramfs: { kernels: 'all' } }]],
      guest: {
        '/etc/os-release': 'ID=ubuntu\nVERSION_ID="22.04"\n',
        '/usr/sbin/update-initramfs': '#!/bin/sh\n',
        ...kernel('5.15.0-91-generic', { loadable: ['virtio_blk', 'virtio_pci'] }),
        ...kernel('5.15.0-88-generic', { loadable: ['virtio_blk', 'virtio_pci'] }),
      },
    });
    expect(outcome.plan.actions[0]?.params).toEqual({ kernels: ['5.15.0-91-generic', '5.15.0-88-generic'] });
    expect(outcome.plan.findings.map((finding) => finding.rule)).toEqual(['initramfs-rebuild', 'initramfs-rebuild']);
  });

  it('proposes nothing new when the modules are already declared, but still rebuilds', async () => {
    const result = await plan({
      '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
      '/usr/sbin/update-initramfs': '#!/bin/sh\n',
      '/etc/initramfs-tools/modules': 'virtio_blk\nvirtio_pci\n',
      ...kernel('6.1.0-18-amd64', { loadable: ['virtio_blk', 'virtio_pci'] }),
    });
    expect(result.plan.changes).toEqual([]);
    expect(result.plan.actions).toEqual([{ key: 'initramfs.rebuild', requestedBy: [initramfsVirtio.name], params: { kernels: ['6.1.0-18-amd64'] } }]);
    // 'old initramfs' is no image at all: unknown, so rebuilt.
    expect(result.facts.linux!.kernels[0]!.initramfsHasVirtio).toBeUndefined();
  });
});

describe('initramfs-virtio on kernels whose initramfs already carries virtio', () => {
  const debian = {
    '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
    '/usr/sbin/update-initramfs': '#!/bin/sh\n',
    '/etc/initramfs-tools/modules': 'virtio_blk\nvirtio_pci\nvirtio_scsi\n',
  };
  const withVirtio = initramfsImage('6.1.0-18-amd64', [VIRTIO_KO.virtio_pci, VIRTIO_KO.virtio_blk, VIRTIO_KO.virtio_scsi, 'kernel/drivers/scsi/vmw_pvscsi.ko']);
  const vmwareOnly = initramfsImage('6.1.0-17-amd64', ['kernel/drivers/scsi/vmw_pvscsi.ko', 'kernel/drivers/message/fusion/mptspi.ko', VIRTIO_KO.virtio_blk]);

  it('rebuilds only the kernel whose initramfs lacks them, and says why the other is left alone', async () => {
    const result = await plan({
      ...debian,
      ...kernel('6.1.0-18-amd64', { loadable: ['virtio_blk', 'virtio_pci', 'virtio_scsi'], image: withVirtio }),
      ...kernel('6.1.0-17-amd64', { loadable: ['virtio_blk', 'virtio_pci', 'virtio_scsi'], image: vmwareOnly }),
    });
    expect(result.facts.linux!.kernels.map((k) => [k.version, k.initramfsHasVirtio])).toEqual([
      ['6.1.0-18-amd64', true],
      ['6.1.0-17-amd64', false],
    ]);
    // A readable initramfs-tools image without virtio: its modules are appended on the host.
    expect(result.plan.actions).toEqual([
      {
        key: 'initramfs.rebuild',
        requestedBy: [initramfsVirtio.name],
        params: { kernels: ['6.1.0-17-amd64'], append: ['6.1.0-17-amd64'], modules: ['virtio_pci', 'virtio_blk', 'virtio_scsi'] },
      },
    ]);
    expect(result.plan.findings).toEqual([
      {
        plugin: initramfsVirtio.name,
        rule: 'initramfs-has-virtio',
        severity: 'info',
        message:
          'the initramfs of kernel 6.1.0-18-amd64 (/boot/initrd.img-6.1.0-18-amd64) already carries virtio_pci, virtio_blk, virtio_scsi; it is not rebuilt',
      },
      {
        plugin: initramfsVirtio.name,
        rule: 'initramfs-append',
        severity: 'info',
        message:
          "kernel 6.1.0-17-amd64: the virtio modules are appended to /boot/initrd.img-6.1.0-17-amd64 on the host (initramfs-tools images are appended to by default); the guest's own next rebuild includes them too",
      },
    ]);
    expect(result.text).toContain('already carries virtio_pci, virtio_blk, virtio_scsi; it is not rebuilt');
  });

  it('requests no rebuild at all when every initramfs carries them, but still declares the modules for later rebuilds', async () => {
    const result = await plan({
      ...debian,
      ...kernel('6.1.0-18-amd64', { loadable: ['virtio_blk', 'virtio_pci', 'virtio_scsi', 'virtio_net'], image: withVirtio }),
    });
    expect(result.plan.actions).toEqual([]);
    expect(await result.fileAfter('/etc/initramfs-tools/modules')).toBe(
      'virtio_blk\nvirtio_pci\nvirtio_scsi\n# Added by hyper2kvm: virtio drivers for KVM.\nvirtio_net\n',
    );
  });

  it('still rebuilds an encrypted guest, whose initramfs keeps a copy of /etc/crypttab', async () => {
    const result = await plan({
      ...debian,
      '/etc/crypttab': '# <target> <source> <key> <options>\nsda2_crypt UUID=0b5e7c1d-3f2a-4e6b-8c9d-7a6b5c4d3e2f none luks,discard\n',
      ...kernel('6.1.0-18-amd64', { loadable: ['virtio_blk', 'virtio_pci', 'virtio_scsi'], image: withVirtio }),
    });
    expect(result.plan.actions).toEqual([{ key: 'initramfs.rebuild', requestedBy: [initramfsVirtio.name], params: { kernels: ['6.1.0-18-amd64'] } }]);
    expect(result.plan.findings).toEqual([
      expect.objectContaining({
        rule: 'initramfs-has-virtio',
        message: expect.stringContaining('but it is rebuilt so that its copy of /etc/crypttab follows'),
      }),
      expect.objectContaining({
        rule: 'initramfs-rebuild',
        message: expect.stringContaining('because the guest has crypttab entries, and its initramfs keeps its own copy of crypttab and its keys'),
      }),
    ]);
  });
});

describe('initramfs-virtio on dracut (RHEL 9)', () => {
  it('writes its own drop-in with add_drivers and rebuilds the kernel', async () => {
    const result = await plan({
      '/etc/os-release': 'ID="rhel"\nVERSION_ID="9.3"\n',
      '/usr/bin/dracut': '#!/bin/sh\n',
      '/etc/dracut.conf.d/.keep': '',
      ...kernel('5.14.0-362.8.1.el9_3.x86_64', {
        loadable: ['virtio_blk', 'virtio_scsi', 'virtio_net', 'virtio_console', 'virtio_balloon'],
        builtIn: ['CONFIG_VIRTIO', 'CONFIG_VIRTIO_PCI'],
        initramfs: '/boot/initramfs-5.14.0-362.8.1.el9_3.x86_64.img',
      }),
    });
    expect(await result.fileAfter('/etc/dracut.conf.d/90-hyper2kvm-virtio.conf')).toBe(
      '# Written by hyper2kvm: virtio drivers so the guest finds its disks on KVM.\nadd_drivers+=" virtio_blk virtio_scsi virtio_net virtio_console virtio_balloon "\n',
    );
    expect(result.plan.actions).toEqual([
      { key: 'initramfs.rebuild', requestedBy: [initramfsVirtio.name], params: { kernels: ['5.14.0-362.8.1.el9_3.x86_64'] } },
    ]);
  });
});

describe('initramfs-virtio on the variable-style configs', () => {
  it('adds to INITRD_MODULES in /etc/sysconfig/kernel (SUSE mkinitrd), keeping its other lines', async () => {
    const result = await plan({
      '/etc/os-release': 'ID="sles"\nVERSION_ID="12.5"\n',
      '/sbin/mkinitrd': '#!/bin/sh\n',
      '/etc/sysconfig/kernel': '## Type: string\n# INITRD_MODULES="commented"\nINITRD_MODULES="mptspi ata_piix"\nDOMU_INITRD_MODULES="xennet xenblk"\n',
      ...kernel('4.12.14-122.37-default', { loadable: ['virtio_blk', 'virtio_pci', 'virtio_scsi'], initramfs: '/boot/initrd-4.12.14-122.37-default' }),
    });
    expect(await result.fileAfter('/etc/sysconfig/kernel')).toBe(
      '## Type: string\n# INITRD_MODULES="commented"\nINITRD_MODULES="mptspi ata_piix virtio_pci virtio_blk virtio_scsi"\nDOMU_INITRD_MODULES="xennet xenblk"\n',
    );
  });

  it('adds to the MODULES=(…) array of /etc/mkinitcpio.conf (Arch)', async () => {
    const result = await plan({
      '/etc/os-release': 'ID=arch\n',
      '/usr/bin/mkinitcpio': '#!/bin/sh\n',
      '/etc/mkinitcpio.conf': '# vim:set ft=sh\nMODULES=(vmw_pvscsi)\nBINARIES=()\nHOOKS=(base udev autodetect modconf block filesystems keyboard fsck)\n',
      ...kernel('6.7.4-arch1-1', { loadable: ['virtio_blk', 'virtio_pci', 'virtio_net'], initramfs: '/boot/initramfs-linux.img' }),
    });
    expect(await result.fileAfter('/etc/mkinitcpio.conf')).toBe(
      '# vim:set ft=sh\nMODULES=(vmw_pvscsi virtio_pci virtio_blk virtio_net)\nBINARIES=()\nHOOKS=(base udev autodetect modconf block filesystems keyboard fsck)\n',
    );
  });

  it('adds the virtio feature to /etc/mkinitfs/mkinitfs.conf (Alpine)', async () => {
    const result = await plan({
      '/etc/os-release': 'ID=alpine\nVERSION_ID=3.19.1\n',
      '/sbin/mkinitfs': '#!/bin/sh\n',
      '/etc/mkinitfs/mkinitfs.conf': 'features="ata base ide scsi usb ext4"\n',
      ...kernel('6.6.14-0-lts', { loadable: ['virtio_blk', 'virtio_pci'], initramfs: '/boot/initramfs-lts' }),
    });
    expect(await result.fileAfter('/etc/mkinitfs/mkinitfs.conf')).toBe('features="ata base ide scsi usb ext4 virtio"\n');
    expect(result.plan.actions[0]?.params).toEqual({ kernels: ['6.6.14-0-lts'] });
  });
});

describe('initramfs-virtio on kernels without virtio', () => {
  it('blocks the fix when no kernel has virtio at all', async () => {
    const result = await plan({
      '/etc/os-release': 'ID=debian\nVERSION_ID="10"\n',
      '/usr/sbin/update-initramfs': '#!/bin/sh\n',
      '/etc/initramfs-tools/modules': '',
      ...kernel('4.19.0-custom'),
    });
    expect(result.plan.findings).toEqual([
      {
        plugin: initramfsVirtio.name,
        rule: 'kernel-without-virtio',
        severity: 'error',
        message: 'no kernel can boot from a virtio disk: 4.19.0-custom has neither a virtio_blk module nor virtio_blk built in',
        hint: 'install a kernel with virtio drivers in the source VM before migrating',
      },
    ]);
    expect(result.plan.changes).toEqual([]);
    expect(result.plan.actions).toEqual([]);
  });

  it('warns about and skips a kernel without virtio when another one has it', async () => {
    const result = await plan({
      '/etc/os-release': 'ID=debian\nVERSION_ID="11"\n',
      '/usr/sbin/update-initramfs': '#!/bin/sh\n',
      '/etc/initramfs-tools/modules': '',
      ...kernel('5.10.0-28-amd64', { loadable: ['virtio_blk', 'virtio_pci'] }),
      ...kernel('5.10.0-custom'),
    });
    expect(result.plan.findings).toEqual([
      expect.objectContaining({ rule: 'kernel-without-virtio', severity: 'warning', message: expect.stringContaining('5.10.0-custom') }),
      expect.objectContaining({ rule: 'initramfs-rebuild', message: expect.stringContaining('kernel 5.10.0-28-amd64:') }),
    ]);
    expect(await result.fileAfter('/etc/initramfs-tools/modules')).toBe('# Added by hyper2kvm: virtio drivers for KVM.\nvirtio_pci\nvirtio_blk\n');
    expect(result.plan.actions[0]?.params).toEqual({ kernels: ['5.10.0-28-amd64'] });
  });

  it('needs no rebuild for a kernel with virtio built in', async () => {
    const result = await plan({
      '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
      '/usr/sbin/update-initramfs': '#!/bin/sh\n',
      '/etc/initramfs-tools/modules': '',
      ...kernel('6.1.0-cloud', { builtIn: ['CONFIG_VIRTIO', 'CONFIG_VIRTIO_PCI', 'CONFIG_VIRTIO_BLK'] }),
    });
    expect(result.plan).toEqual({ changes: [], actions: [], findings: [] });
  });
});

describe('initramfs-virtio without a known initramfs tool', () => {
  it('reports an error with a hint', async () => {
    const result = await plan({
      '/etc/os-release': 'ID=gentoo\nVERSION_ID=2.15\n',
      ...kernel('6.6.13-gentoo', { loadable: ['virtio_blk'] }),
    });
    expect(result.plan.findings).toEqual([
      expect.objectContaining({ rule: 'unknown-initramfs-tool', severity: 'error', hint: expect.stringContaining('os-version') }),
    ]);
  });
});
