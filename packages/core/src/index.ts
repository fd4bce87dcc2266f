export * from './errors.js';
export * from './facts.js';
export * from './vm.js';
export type * from './guest/guestfs.js';
