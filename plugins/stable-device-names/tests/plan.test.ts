import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planWithPlugins, type PlanOutcome } from '@hyper2kvm/plugin-kit';
import stableDeviceNames from '../src/index.js';

const fstab = `# /etc/fstab: static file system information.
/dev/sda1\t/\text4\terrors=remount-ro 0 1
/dev/mapper/vg-data  /data  xfs  defaults  0 2
/dev/sda2 none swap sw 0 0
/dev/sdb1 /srv ext4 defaults 0 2
`;

const filesystems = [
  { device: '/dev/sda1', type: 'ext4', uuid: '6f1c3e9a-2b7d-4c5e-9a8f-1d2e3f4a5b6c' },
  { device: '/dev/sda2', type: 'swap', uuid: '0b5e7c1d-3f2a-4e6b-8c9d-7a6b5c4d3e2f' },
  { device: '/dev/sdb1', type: 'ext4' },
];

describe('stable-device-names on a VMware-like Ubuntu tree', () => {
  let outcome: PlanOutcome;

  beforeAll(async () => {
    outcome = await planWithPlugins({
      plugins: [stableDeviceNames],
      filesystems,
      guest: {
        '/etc/os-release': 'ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.3 LTS"\n',
        '/etc/fstab': fstab,
        '/etc/crypttab': 'cryptdata /dev/sda2 none luks\n',
        '/etc/default/grub': 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\nGRUB_CMDLINE_LINUX="root=/dev/sda1 resume=/dev/sda2"\n',
        '/boot/grub/grub.cfg': 'menuentry "Ubuntu" {\n\tlinux /boot/vmlinuz-5.15.0-91-generic root=/dev/sda1 ro quiet\n}\n',
        '/boot/grub/device.map': '(hd0) /dev/sda\n',
        '/etc/blkid.tab': '<device DEVNO="0x0801">/dev/sda1</device>\n',
        '/boot/loader/entries/abc-5.15.conf': 'title Ubuntu\noptions root=/dev/sda1 ro\n',
      },
    });
  });
  afterAll(() => outcome.cleanup());

  it('rewrites fstab by UUID, leaving LVM names and the spacing of each line alone', async () => {
    expect(await outcome.fileAfter('/etc/fstab')).toBe(`# /etc/fstab: static file system information.
UUID=6f1c3e9a-2b7d-4c5e-9a8f-1d2e3f4a5b6c\t/\text4\terrors=remount-ro 0 1
/dev/mapper/vg-data  /data  xfs  defaults  0 2
UUID=0b5e7c1d-3f2a-4e6b-8c9d-7a6b5c4d3e2f none swap sw 0 0
/dev/sdb1 /srv ext4 defaults 0 2
`);
  });

  it('rewrites crypttab, the grub defaults, grub.cfg and BLS entries', async () => {
    expect(await outcome.fileAfter('/etc/crypttab')).toBe('cryptdata UUID=0b5e7c1d-3f2a-4e6b-8c9d-7a6b5c4d3e2f none luks\n');
    expect(await outcome.fileAfter('/etc/default/grub')).toContain(
      'GRUB_CMDLINE_LINUX="root=UUID=6f1c3e9a-2b7d-4c5e-9a8f-1d2e3f4a5b6c resume=UUID=0b5e7c1d-3f2a-4e6b-8c9d-7a6b5c4d3e2f"',
    );
    expect(await outcome.fileAfter('/boot/grub/grub.cfg')).toContain('root=UUID=6f1c3e9a-2b7d-4c5e-9a8f-1d2e3f4a5b6c ro quiet');
    expect(await outcome.fileAfter('/boot/loader/entries/abc-5.15.conf')).toBe('title Ubuntu\noptions root=UUID=6f1c3e9a-2b7d-4c5e-9a8f-1d2e3f4a5b6c ro\n');
  });

  it('deletes device.map and stale device caches', async () => {
    expect(await outcome.fileAfter('/boot/grub/device.map')).toBeNull();
    expect(await outcome.fileAfter('/etc/blkid.tab')).toBeNull();
    expect(outcome.plan.changes.filter((change) => change.kind === 'file.delete').map((change) => change.kind === 'file.delete' && change.path)).toEqual([
      '/boot/grub/device.map',
      '/etc/blkid.tab',
    ]);
  });

  it('warns about a name it cannot make stable, and says so in the plan text', () => {
    expect(outcome.plan.findings).toEqual([
      expect.objectContaining({
        plugin: '@hyper2kvm/plugin-stable-device-names',
        rule: 'unresolvable-device-name',
        severity: 'warning',
        message: expect.stringContaining('/dev/sdb1'),
      }),
    ]);
    expect(outcome.text).toContain('-/dev/sda1\t/\text4');
    expect(outcome.text).toContain('+UUID=6f1c3e9a-2b7d-4c5e-9a8f-1d2e3f4a5b6c\t/\text4');
  });
});

describe('stable-device-names on guests it must not touch', () => {
  it('does nothing on a Windows guest', async () => {
    const outcome = await planWithPlugins({
      plugins: [stableDeviceNames],
      guest: { '/etc/fstab': '/dev/sda1 / ext4 defaults 0 1\n' },
      facts: { os: { type: 'windows', arch: 'x86_64' } },
    });
    expect(outcome.plan.changes).toEqual([]);
    await outcome.cleanup();
  });

  it('proposes nothing when every name is already stable', async () => {
    const outcome = await planWithPlugins({
      plugins: [stableDeviceNames],
      guest: { '/etc/os-release': 'ID=rhel\nVERSION_ID="9.3"\n', '/etc/fstab': '/dev/mapper/rhel-root / xfs defaults 0 0\nUUID=abcd /boot xfs defaults 0 0\n' },
    });
    expect(outcome.plan).toEqual({ changes: [], actions: [], findings: [] });
    await outcome.cleanup();
  });
});
