import { afterEach, describe, expect, it } from 'vitest';
import { planWithPlugins, type GuestTree, type PlanOutcome } from '@hyper2kvm/plugin-kit';
import stableDeviceNames from '@hyper2kvm/plugin-stable-device-names';
import grubRegen, { isStableRoot, unstableRoots } from '../src/index.js';

const ROOT_UUID = '3f1c2b7e-6d5a-4e9b-8c1d-2a3b4c5d6e7f';
const BOOT_UUID = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
const SERIAL = 'GRUB_SERIAL_COMMAND="serial --speed=115200 --unit=0 --word=8 --parity=no --stop=1"';

let outcome: PlanOutcome | undefined;
afterEach(async () => {
  await outcome?.cleanup();
  outcome = undefined;
});

async function plan(guest: GuestTree, filesystems = [{ device: '/dev/sda1', type: 'ext4', uuid: ROOT_UUID }]): Promise<PlanOutcome> {
  outcome = await planWithPlugins({ plugins: [stableDeviceNames, grubRegen], guest, filesystems });
  return outcome;
}

const debian: GuestTree = {
  '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
  '/usr/sbin/grub-mkconfig': '#!/bin/sh\n',
  '/etc/fstab': '/dev/sda1 / ext4 errors=remount-ro 0 1\n',
  '/boot/grub/grub.cfg': "menuentry 'Debian GNU/Linux' {\n\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=/dev/sda1 ro quiet\n}\n",
};

describe('grub-regen on a grub2 guest (Debian 12, BIOS)', () => {
  it('allows UUIDs, adds both consoles and the serial terminal, and asks for grub.mkconfig', async () => {
    const result = await plan({
      ...debian,
      '/etc/default/grub':
        'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="root=/dev/sda1"\nGRUB_DISABLE_LINUX_UUID=true\n',
    });
    expect(await result.fileAfter('/etc/default/grub')).toBe(
      `GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="root=UUID=${ROOT_UUID} console=tty0 console=ttyS0,115200n8"\n` +
        `# Added by hyper2kvm: a usable serial console on KVM.\nGRUB_TERMINAL="serial console"\n${SERIAL}\n`,
    );
    const reasons = result.plan.changes.filter((change) => change.plugin === grubRegen.name).map((change) => change.reason);
    expect(reasons).toEqual([
      'with UUIDs disabled, grub-mkconfig inside the appliance writes the appliance’s disk name as root=',
      'keep a login and boot messages on the serial console under KVM',
    ]);
    expect(result.plan.actions).toEqual([{ key: 'grub.mkconfig', requestedBy: [grubRegen.name], params: { output: '/boot/grub/grub.cfg' } }]);
    expect(result.plan.findings).toEqual([]);
  });

  it('keeps the consoles and terminal settings already there, adding only what is missing', async () => {
    const result = await plan({
      ...debian,
      '/etc/default/grub': `GRUB_CMDLINE_LINUX='root=/dev/sda1 console=ttyS0,9600'   # serial at 9600\nGRUB_TERMINAL=console\n${SERIAL}\n`,
    });
    expect(await result.fileAfter('/etc/default/grub')).toBe(
      `GRUB_CMDLINE_LINUX='root=UUID=${ROOT_UUID} console=tty0 console=ttyS0,9600'   # serial at 9600\nGRUB_TERMINAL="serial console"\n${SERIAL}\n`,
    );
  });

  it('proposes nothing of its own when the guest is already set up', async () => {
    const ready = `GRUB_CMDLINE_LINUX="root=UUID=${ROOT_UUID} console=tty0 console=ttyS0,115200n8"\nGRUB_TERMINAL="serial console"\n${SERIAL}\n`;
    const result = await plan({
      ...debian,
      '/etc/fstab': `UUID=${ROOT_UUID} / ext4 defaults 0 1\n`,
      '/boot/grub/grub.cfg': `linux /vmlinuz root=UUID=${ROOT_UUID}\n`,
      '/etc/default/grub': ready,
    });
    expect(result.plan.changes).toEqual([]);
    expect(result.plan.actions).toEqual([{ key: 'grub.mkconfig', requestedBy: [grubRegen.name], params: { output: '/boot/grub/grub.cfg' } }]);
  });

  it('fixes a grub.d drop-in that disables UUIDs or overrides the terminal, without adding to it', async () => {
    const result = await plan({
      ...debian,
      '/etc/os-release': 'ID=ubuntu\nVERSION_ID="22.04"\n',
      '/etc/default/grub': `GRUB_CMDLINE_LINUX=""\nGRUB_TERMINAL="serial console"\n${SERIAL}\n`,
      '/etc/default/grub.d/50-cloudimg-settings.cfg':
        '# Cloud Image specific Grub settings\nGRUB_DISABLE_LINUX_UUID="true"\nGRUB_TERMINAL=console\nGRUB_TIMEOUT=0\n',
    });
    expect(await result.fileAfter('/etc/default/grub.d/50-cloudimg-settings.cfg')).toBe(
      '# Cloud Image specific Grub settings\nGRUB_TERMINAL="serial console"\nGRUB_TIMEOUT=0\n',
    );
    expect(await result.fileAfter('/etc/default/grub')).toBe(
      `GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"\nGRUB_TERMINAL="serial console"\n${SERIAL}\n`,
    );
  });

  it('edits grub.cfg but does not ask for regeneration when the guest lacks grub-mkconfig', async () => {
    const { '/usr/sbin/grub-mkconfig': _tool, ...withoutTool } = debian;
    const result = await plan({ ...withoutTool, '/etc/default/grub': 'GRUB_CMDLINE_LINUX=""\n' });
    expect(result.plan.actions).toEqual([]);
    expect(result.plan.findings).toEqual([expect.objectContaining({ rule: 'no-grub-mkconfig', severity: 'warning' })]);
  });
});

describe('grub-regen on RHEL 9 with UEFI and BLS', () => {
  const fstab = `/dev/mapper/rhel-root / xfs defaults 0 0\nUUID=${BOOT_UUID} /boot xfs defaults 0 0\nUUID=7B77-95E7 /boot/efi vfat umask=0077 0 2\n`;
  const stub = (uuid: string): string =>
    `search --no-floppy --fs-uuid --set=dev ${uuid}\nset prefix=($dev)/grub2\n\nexport $prefix\nconfigfile $prefix/grub.cfg\n`;
  const rhel = (stubUuidValue: string): GuestTree => ({
    '/etc/os-release': 'ID="rhel"\nVERSION_ID="9.3"\n',
    '/usr/sbin/grub2-mkconfig': '#!/bin/sh\n',
    '/etc/fstab': fstab,
    '/etc/default/grub':
      'GRUB_TIMEOUT=5\nGRUB_TERMINAL_OUTPUT="console"\nGRUB_CMDLINE_LINUX="crashkernel=1G-4G:192M rd.lvm.lv=rhel/root"\nGRUB_ENABLE_BLSCFG=true\n',
    '/etc/kernel/cmdline': 'root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M rd.lvm.lv=rhel/root\n',
    '/boot/grub2/grub.cfg': 'insmod blscfg\nblscfg\n',
    '/boot/loader/entries/abc-5.14.0-362.8.1.el9_3.x86_64.conf':
      'title Red Hat Enterprise Linux (5.14.0-362.8.1.el9_3.x86_64) 9.3 (Plow)\nversion 5.14.0-362.8.1.el9_3.x86_64\nlinux /vmlinuz-5.14.0-362.8.1.el9_3.x86_64\noptions root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M rd.lvm.lv=rhel/root\n',
    '/boot/efi/EFI/redhat/grub.cfg': stub(stubUuidValue),
  });
  const filesystems = [
    { device: '/dev/rhel/root', type: 'xfs', uuid: ROOT_UUID },
    { device: '/dev/sda2', type: 'xfs', uuid: BOOT_UUID },
    { device: '/dev/sda1', type: 'vfat', uuid: '7B77-95E7' },
  ];

  it('adds the consoles to the defaults, /etc/kernel/cmdline and the BLS entry, keeps their options, leaves the stub alone', async () => {
    const result = await plan(rhel(BOOT_UUID), filesystems);
    expect(await result.fileAfter('/etc/kernel/cmdline')).toBe(
      'root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M rd.lvm.lv=rhel/root console=tty0 console=ttyS0,115200n8\n',
    );
    expect(await result.fileAfter('/boot/loader/entries/abc-5.14.0-362.8.1.el9_3.x86_64.conf')).toContain(
      '\noptions root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M rd.lvm.lv=rhel/root console=tty0 console=ttyS0,115200n8\n',
    );
    expect(await result.fileAfter('/etc/default/grub')).toBe(
      'GRUB_TIMEOUT=5\nGRUB_TERMINAL_OUTPUT="console"\nGRUB_CMDLINE_LINUX="crashkernel=1G-4G:192M rd.lvm.lv=rhel/root console=tty0 console=ttyS0,115200n8"\nGRUB_ENABLE_BLSCFG=true\n' +
        `# Added by hyper2kvm: a usable serial console on KVM.\nGRUB_TERMINAL="serial console"\n${SERIAL}\n`,
    );
    expect(await result.fileAfter('/boot/efi/EFI/redhat/grub.cfg')).toBe(stub(BOOT_UUID));
    expect(result.plan.changes.some((change) => 'path' in change && change.path.startsWith('/boot/efi'))).toBe(false);
    expect(result.plan.actions).toEqual([{ key: 'grub.mkconfig', requestedBy: [grubRegen.name], params: { output: '/boot/grub2/grub.cfg' } }]);
    expect(result.plan.findings).toEqual([]);
  });

  it('reports an ESP stub that looks for another file system', async () => {
    const result = await plan(rhel('00000000-1111-2222-3333-444444444444'), filesystems);
    expect(result.plan.findings).toEqual([
      expect.objectContaining({
        plugin: grubRegen.name,
        rule: 'efi-stub-wrong-uuid',
        severity: 'warning',
        message: expect.stringContaining(`/boot/grub2 is on ${BOOT_UUID}`),
      }),
    ]);
  });

  it('leaves RHEL 8 entries that read $kernelopts alone', async () => {
    const entry = 'title RHEL 8\nlinux /vmlinuz-4.18.0\noptions $kernelopts $tuned_params\n';
    const result = await plan(
      { ...rhel(BOOT_UUID), '/etc/os-release': 'ID="rhel"\nVERSION_ID="8.9"\n', '/boot/loader/entries/abc-4.18.0.conf': entry },
      filesystems,
    );
    expect(await result.fileAfter('/boot/loader/entries/abc-4.18.0.conf')).toBe(entry);
  });
});

describe('grub-regen on bootloaders without a generator', () => {
  it('grub1: adds the consoles to every kernel line and asks for nothing', async () => {
    const result = await plan({
      '/etc/os-release': 'ID="centos"\nVERSION_ID="6"\n',
      '/etc/fstab': `UUID=${ROOT_UUID} / ext4 defaults 1 1\n`,
      '/boot/grub/grub.conf': `default=0\ntimeout=5\ntitle CentOS (2.6.32-754.el6.x86_64)\n\troot (hd0,0)\n\tkernel /vmlinuz-2.6.32-754.el6.x86_64 ro root=UUID=${ROOT_UUID} rhgb quiet\n\tinitrd /initramfs-2.6.32-754.el6.x86_64.img\n`,
    });
    expect(await result.fileAfter('/boot/grub/grub.conf')).toBe(
      `default=0\ntimeout=5\ntitle CentOS (2.6.32-754.el6.x86_64)\n\troot (hd0,0)\n\tkernel /vmlinuz-2.6.32-754.el6.x86_64 ro root=UUID=${ROOT_UUID} rhgb quiet console=tty0 console=ttyS0,115200n8\n\tinitrd /initramfs-2.6.32-754.el6.x86_64.img\n`,
    );
    expect(result.plan.actions).toEqual([]);
  });

  it('extlinux (Alpine): edits APPEND lines and update-extlinux.conf', async () => {
    const result = await plan({
      '/etc/os-release': 'ID=alpine\nVERSION_ID=3.19.1\n',
      '/etc/fstab': `UUID=${ROOT_UUID} / ext4 rw,relatime 0 1\n`,
      '/boot/extlinux.conf': `DEFAULT menu.c32\nLABEL lts\n  MENU LABEL Linux lts\n  LINUX vmlinuz-lts\n  INITRD initramfs-lts\n  APPEND root=UUID=${ROOT_UUID} modules=sd-mod,usb-storage,ext4 quiet rootfstype=ext4\n`,
      '/etc/update-extlinux.conf': 'overwrite=1\ndefault_kernel_opts="quiet"\nmodules=sd-mod,usb-storage,ext4\n',
    });
    expect(await result.fileAfter('/boot/extlinux.conf')).toContain(
      `  APPEND root=UUID=${ROOT_UUID} modules=sd-mod,usb-storage,ext4 quiet rootfstype=ext4 console=tty0 console=ttyS0,115200n8\n`,
    );
    expect(await result.fileAfter('/etc/update-extlinux.conf')).toBe(
      'overwrite=1\ndefault_kernel_opts="quiet console=tty0 console=ttyS0,115200n8"\nmodules=sd-mod,usb-storage,ext4\n',
    );
    expect(result.plan.actions).toEqual([]);
  });
});

describe('the root= check of generated configs', () => {
  it('accepts UUID, LABEL, mapper and LVM names and rejects kernel disk names and by-path links', () => {
    for (const stable of [
      `UUID=${ROOT_UUID}`,
      'LABEL=root',
      'PARTUUID=5e1c0a77-01',
      '/dev/mapper/rhel-root',
      '/dev/rhel/root',
      '/dev/md0',
      `/dev/disk/by-uuid/${ROOT_UUID}`,
    ])
      expect(isStableRoot(stable), stable).toBe(true);
    for (const unstable of ['/dev/sda1', '/dev/sdb1', '/dev/vda2', '/dev/nvme0n1p2', '/dev/disk/by-path/pci-0000:00:10.0-scsi-0:0:0:0-part1'])
      expect(isStableRoot(unstable), unstable).toBe(false);
  });

  it('finds the kernel lines of a grub.cfg written with the appliance disk name', () => {
    const config = `menuentry 'Debian' {\n\tsearch --fs-uuid --set=root ${ROOT_UUID}\n\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=/dev/sdb1 ro console=ttyS0\n}\nmenuentry 'ok' {\n\tlinux /boot/vmlinuz root=UUID=${ROOT_UUID} ro\n}\n`;
    expect(unstableRoots(config)).toEqual([{ line: 3, text: 'linux\t/boot/vmlinuz-6.1.0-18-amd64 root=/dev/sdb1 ro console=ttyS0', root: '/dev/sdb1' }]);
  });
});
