export { listInitramfsImage, MAX_INITRAMFS_BYTES } from './list-initramfs.js';
export { compressionOf, DECOMPRESS_COMMANDS, type InitramfsCompression } from './compression.js';
export { CpioNameReader, CpioFormatError } from './cpio-names.js';
