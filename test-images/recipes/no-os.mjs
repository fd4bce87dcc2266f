// A data disk exported as a VM: MBR, one ext4 partition holding files but no
// operating system (no /etc, no kernel, no boot loader). Trap: there is
// nothing to inspect, and nothing is encrypted either.
export default {
  name: 'no-os',
  kind: 'linux',
  description: 'a disk with one ext4 data partition and no operating system',
  firmware: 'bios',
  disk: { sizeMiB: 64, table: 'mbr', id: '0x5d4c3b2a' },
  partitions: [{ type: 'linux', fs: { type: 'ext4', mount: '/', uuid: '9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4', label: 'data' } }],
  dirs: ['/backups'],
  files: { '/backups/README.txt': 'nightly dumps of the billing database\n' },
  export: ['vmdk'],
  // virt-inspector finds no operating system: nothing to compare.
  expect: {},
};
