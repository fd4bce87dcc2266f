export { DEFAULT_VIRTIO_WIN, openVirtioWin, parseIsoListing, virtioWinPath, type VirtioWinSource } from './source.js';
