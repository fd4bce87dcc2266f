// A FAKE virtio-win ISO in the real layout (see shared/reference/windows-virtio.md):
// /<DriverDir>/<os>/<arch>/<name>.inf .cat .sys (+ .pdb), guest-agent MSIs at
// the root, sriov/ and .pdb files that a stager must skip. INF files carry
// the real PCI IDs, class and service names; .sys/.cat/.msi are placeholders.

const CLIENT_X86 = ['amd64', 'x86'];
/** OS directory -> architectures present (as on virtio-win 0.1.240). */
const OS_DIRS = {
  '2k8R2': ['amd64'],
  w7: CLIENT_X86,
  w8: CLIENT_X86,
  'w8.1': CLIENT_X86,
  '2k12': ['amd64'],
  '2k12R2': ['amd64'],
  w10: ['amd64', 'x86', 'ARM64'],
  '2k16': ['amd64'],
  '2k19': ['amd64'],
  '2k22': ['amd64'],
  w11: ['amd64', 'ARM64'],
  '2k25': ['amd64'],
};
const ALL = Object.keys(OS_DIRS);
const WIN10_AND_LATER = ['w10', '2k16', '2k19', '2k22', 'w11', '2k25'];

const CLASS = {
  SCSIAdapter: '{4D36E97B-E325-11CE-BFC1-08002BE10318}',
  Net: '{4D36E972-E325-11CE-BFC1-08002BE10318}',
  System: '{4D36E97D-E325-11CE-BFC1-08002BE10318}',
  NetService: '{4D36E974-E325-11CE-BFC1-08002BE10318}',
};

/** Transitional and modern PCI IDs of a virtio device. */
const virtio = (dev, subsys, modern) => [
  ...(dev ? [`PCI\\VEN_1AF4&DEV_${dev}&SUBSYS_${subsys}1AF4&REV_00`] : []),
  `PCI\\VEN_1AF4&DEV_${modern}&SUBSYS_11001AF4&REV_01`,
];

export default {
  name: 'virtio-win',
  kind: 'virtio-win',
  version: '0.1.240',
  volumeId: 'virtio-win-0.1.240',
  driverVer: '11/01/2023,100.94.104.24000',
  osDirs: OS_DIRS,
  drivers: [
    { dir: 'viostor', name: 'viostor', class: 'SCSIAdapter', service: 'viostor', boot: true, desc: 'Red Hat VirtIO SCSI controller', ids: virtio('1001', '0002', '1042') },
    { dir: 'vioscsi', name: 'vioscsi', class: 'SCSIAdapter', service: 'vioscsi', boot: true, desc: 'Red Hat VirtIO SCSI pass-through controller', ids: virtio('1004', '0008', '1048') },
    { dir: 'NetKVM', name: 'netkvm', class: 'Net', service: 'netkvm', desc: 'Red Hat VirtIO Ethernet Adapter', ids: virtio('1000', '0001', '1041'), extra: ['netkvmco.exe', 'netkvmp.exe'] },
    { dir: 'Balloon', name: 'balloon', class: 'System', service: 'balloon', desc: 'VirtIO Balloon Driver', ids: virtio('1002', '0005', '1045'), extra: ['blnsvr.exe'] },
    { dir: 'vioserial', name: 'vioser', class: 'System', service: 'vioser', desc: 'VirtIO Serial Driver', ids: virtio('1003', '0003', '1043') },
    { dir: 'viorng', name: 'viorng', class: 'System', service: 'viorng', desc: 'VirtIO RNG Device', ids: virtio('1005', '0004', '1044'), extra: ['viorngum.dll'] },
    { dir: 'pvpanic', name: 'pvpanic', class: 'System', service: 'pvpanic', desc: 'QEMU PVPanic Device', ids: ['ACPI\\QEMU0001', 'PCI\\VEN_1B36&DEV_0011&SUBSYS_11001AF4&REV_01'] },
    // qemufwcfg is a null driver (INF + CAT only); fwcfg replaces it from Windows 10 on. Both exist for w10/2k16/2k19.
    { dir: 'qemufwcfg', name: 'qemufwcfg', class: 'System', desc: 'QEMU FWCfg Device', ids: ['ACPI\\QEMU0002'], noSys: true, os: ['2k8R2', 'w7', 'w8', 'w8.1', '2k12', '2k12R2', 'w10', '2k16', '2k19'] },
    { dir: 'fwcfg', name: 'fwcfg', class: 'System', service: 'FwCfg', desc: 'QEMU FwCfg Device', ids: ['ACPI\\QEMU0002'], os: WIN10_AND_LATER },
    { dir: 'viofs', name: 'viofs', class: 'System', service: 'VirtioFsDrv', desc: 'VirtIO FS Device', ids: virtio(null, null, '105A'), extra: ['virtiofs.exe'], os: WIN10_AND_LATER },
    // Must NOT be staged: SR-IOV protocol driver for NetKVM failover.
    { dir: 'sriov', name: 'vioprot', class: 'NetService', service: 'vioprot', desc: 'VirtIO protocol driver', ids: [], os: WIN10_AND_LATER, archs: ['amd64'] },
  ],
  classGuids: CLASS,
  rootFiles: [
    'guest-agent/qemu-ga-x86_64.msi',
    'guest-agent/qemu-ga-i386.msi',
    'virtio-win-gt-x64.msi',
    'virtio-win-gt-x86.msi',
    'virtio-win-guest-tools.exe',
    'virtio-win_license.txt',
  ],
  /** Every OS directory the reference table names (and this ISO carries). */
  expect: { osDirs: ALL },
};
