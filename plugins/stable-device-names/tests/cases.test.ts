// stable-device-names as a table of guests (plugin-kit's PluginTester): each
// invalid guest is repaired and planned again, and must then need nothing.
import { describe, it } from 'vitest';
import { PluginTester } from '@hyper2kvm/plugin-kit';
import stableDeviceNames from '../src/index.js';

const ubuntu = { '/etc/os-release': 'ID=ubuntu\nVERSION_ID="22.04"\n' };
const ROOT_UUID = '6f1c3e9a-2b7d-4c5e-9a8f-1d2e3f4a5b6c';
const SWAP_UUID = '0b5e7c1d-3f2a-4e6b-8c9d-7a6b5c4d3e2f';
const filesystems = [
  { device: '/dev/sda1', type: 'ext4', uuid: ROOT_UUID },
  { device: '/dev/sda2', type: 'swap', uuid: SWAP_UUID },
];

new PluginTester({ describe, it }).run(stableDeviceNames, {
  valid: [
    { name: 'fstab already by UUID', filesystems, guest: { ...ubuntu, '/etc/fstab': `UUID=${ROOT_UUID} / ext4 defaults 0 1\n` } },
    {
      name: 'LVM and LABEL= names are stable already',
      filesystems,
      guest: { ...ubuntu, '/etc/fstab': '/dev/mapper/vg-root / xfs defaults 0 0\nLABEL=data /data ext4 defaults 0 2\n' },
    },
  ],
  invalid: [
    {
      name: 'fstab and the grub defaults by /dev/sdX',
      filesystems,
      guest: {
        ...ubuntu,
        '/etc/fstab': '/dev/sda1 / ext4 defaults 0 1\n/dev/sda2 none swap sw 0 0\n',
        '/etc/default/grub': 'GRUB_CMDLINE_LINUX="root=/dev/sda1 resume=/dev/sda2"\n',
      },
      changes: [
        { kind: 'file.write', path: '/etc/fstab', after: `UUID=${ROOT_UUID} / ext4 defaults 0 1\nUUID=${SWAP_UUID} none swap sw 0 0\n` },
        { kind: 'file.write', path: '/etc/default/grub', after: `GRUB_CMDLINE_LINUX="root=UUID=${ROOT_UUID} resume=UUID=${SWAP_UUID}"\n` },
      ],
    },
    {
      name: 'separate /boot, /usr and /var, swap, and resume= in the grub defaults and initramfs-tools, all by /dev/sdX',
      filesystems: [
        ...filesystems,
        { device: '/dev/sdb1', type: 'ext4', uuid: '1e2d3c4b-5a69-4788-97a6-b5c4d3e2f100' },
        { device: '/dev/sdb2', type: 'xfs', uuid: '2f3e4d5c-6b7a-4899-a8b7-c6d5e4f30211' },
        { device: '/dev/sdb3', type: 'ext4', uuid: '3a4f5e6d-7c8b-49aa-b9c8-d7e6f5041322' },
      ],
      guest: {
        ...ubuntu,
        '/etc/fstab': [
          '/dev/sda1 / ext4 defaults 0 1',
          '/dev/sdb1 /boot ext4 defaults 0 2',
          '/dev/sdb2 /usr xfs defaults 0 0',
          '/dev/sdb3 /var ext4 defaults,nodev 0 2',
          '/dev/sda2 none swap sw 0 0',
          '',
        ].join('\n'),
        '/etc/default/grub': 'GRUB_CMDLINE_LINUX_DEFAULT="quiet resume=/dev/sda2"\n',
        '/etc/initramfs-tools/conf.d/resume': 'RESUME=/dev/sda2\n',
      },
      changes: [
        {
          kind: 'file.write',
          path: '/etc/fstab',
          after: [
            `UUID=${ROOT_UUID} / ext4 defaults 0 1`,
            'UUID=1e2d3c4b-5a69-4788-97a6-b5c4d3e2f100 /boot ext4 defaults 0 2',
            'UUID=2f3e4d5c-6b7a-4899-a8b7-c6d5e4f30211 /usr xfs defaults 0 0',
            'UUID=3a4f5e6d-7c8b-49aa-b9c8-d7e6f5041322 /var ext4 defaults,nodev 0 2',
            `UUID=${SWAP_UUID} none swap sw 0 0`,
            '',
          ].join('\n'),
        },
        { kind: 'file.write', path: '/etc/default/grub', after: `GRUB_CMDLINE_LINUX_DEFAULT="quiet resume=UUID=${SWAP_UUID}"\n` },
        { kind: 'file.write', path: '/etc/initramfs-tools/conf.d/resume', after: `RESUME=UUID=${SWAP_UUID}\n` },
      ],
    },
    {
      name: 'a stale device.map',
      filesystems,
      guest: { ...ubuntu, '/etc/fstab': `UUID=${ROOT_UUID} / ext4 defaults 0 1\n`, '/boot/grub/device.map': '(hd0) /dev/sda\n' },
      changes: [{ kind: 'file.delete', path: '/boot/grub/device.map' }],
    },
  ],
});
