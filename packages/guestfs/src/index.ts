export * from './accel.js';
export * from './libguestfs/ffi.js';
export * from './libguestfs/guest-path.js';
export * from './libguestfs/appliance.js';
export type { IncompleteVolumeGroup } from './libguestfs/lvm-volume-groups.js';
export * from './directory/index.js';
export * from './registry/guest-registry.js';
export * from './initramfs/index.js';
