// The rhel-9 guest (same files, see rhel-9.mjs) installed on a VMware VM with
// TWO disks, its LVM root spanning both:
//   disk 1 (scsi0:0, NAME.vmdk):   GPT: ESP, XFS /boot, PV1 (/dev/sda3)
//   disk 2 (scsi0:1, NAME_1.vmdk): GPT: PV2 (/dev/sdb1)
// VG "rhel" = PV1 + PV2; LV swap (32 MiB) first, then LV root takes every
// extent left, so it starts on PV1 and continues on PV2. Traps: neither disk
// alone holds a mountable root (inspecting disk 1 alone finds no OS); the
// disks must stay in VMX order (fstab names the ESP /dev/sda1); the stale LVM
// devices file names both PVs by their VMware WWIDs.
import rhel9 from './rhel-9.mjs';

const HOSTNAME = 'rhel9-db02.example.com';
const { disk: _disk, partitions: [esp, boot, pv], ...base } = rhel9;

export default {
  ...base,
  name: 'rhel-9-lvm-2disk',
  description: 'RHEL 9.3 on VMware with two disks: UEFI/GPT, VG rhel on a PV on each disk, LV root spanning both',
  disks: [
    {
      sizeMiB: 512,
      table: 'gpt',
      id: '6F2B3C4D-5E6F-4A71-8293-A4B5C6D7E8F9',
      partitions: [esp, boot, pv],
    },
    {
      sizeMiB: 256,
      table: 'gpt',
      id: '7A3C4D5E-6F70-4B82-93A4-B5C6D7E8F90A',
      partitions: [{ type: 'lvm', uuid: '4A5F6E7D-8C9B-4DAE-BFC0-3B4C5D6E7F80', lvm: { vg: pv.lvm.vg } }],
    },
  ],
  files: {
    ...base.files,
    '/etc/hostname': `${HOSTNAME}\n`,
    '/etc/lvm/devices/system.devices': `# LVM uses devices listed in this file.
# Created by LVM command vgimportdevices pid 1131 at Tue Nov 14 10:05:44 2023
# HASH=2290167715
PRODUCT_UUID=421c5e6a-2b3d-4f50-8192-a3b4c5d6e7f8
VERSION=1.1.3
IDTYPE=sys_wwid IDNAME=naa.6000c29d4e5b6c7d8e9f0a1b2c3d4e5f DEVNAME=/dev/sda3 PVID=Xq3Kd8Lm2Np5Rs7Tv9Wx1Yz4Ab6Cd8Ef PART=3
IDTYPE=sys_wwid IDNAME=naa.6000c2915a2b3c4d5e6f708192a3b4c5 DEVNAME=/dev/sdb1 PVID=Rt5Yu7Io9Pa1Sd3Fg5Hj7Kl9Zx1Cv3Bn PART=1
`,
  },
  expect: {
    ...base.expect,
    hostname: HOSTNAME,
    /** `lvs -o devices` in the appliance: root must really span both PVs. */
    lvDevices: { 'rhel/swap': ['/dev/sda3'], 'rhel/root': ['/dev/sda3', '/dev/sdb1'] },
  },
};
