// The ubuntu-2204 guest (same files, see ubuntu-2204.mjs) whose root ext4
// carries a read-only-compatible feature the kernel does not know
// (FEATURE_R30, as a file system made by a newer kernel would): Linux, the
// appliance's included, mounts it read-only and refuses to mount it
// read-write. Trap: inspection works (it mounts read-only), every repair
// fails; e2fsck refuses the file system too.
import ubuntu from './ubuntu-2204.mjs';

const { partitions: [root, swap], ...base } = ubuntu;

export default {
  ...base,
  name: 'ubuntu-2204-readonly',
  description: 'Ubuntu 22.04.3 LTS on VMware whose root ext4 has an unknown read-only-compatible feature (mounts read-only only)',
  partitions: [{ ...root, fs: { ...root.fs, features: ['FEATURE_R30'] } }, swap],
  expect: { ...base.expect },
};
