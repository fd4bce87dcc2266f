export { listInitramfsImage, MAX_INITRAMFS_BYTES } from './list-initramfs.js';
export { compressionOf, DECOMPRESS_COMMANDS, type InitramfsCompression } from './compression.js';
export { CpioNameReader, CpioFormatError } from './cpio-names.js';
export { readCpioEntries, writeCpioArchive, lastEntryByName, S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, type CpioEntry } from './cpio-archive.js';
export { unpackInitramfsImage, packInitramfsImage, canRecompress, padTo4, COMPRESS_COMMANDS, type InitramfsImageParts } from './initramfs-image.js';
