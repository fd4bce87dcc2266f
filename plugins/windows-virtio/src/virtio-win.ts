/**
 * Which driver packages of the virtio-win source a guest gets. The source
 * itself (ISO or folder) is `@hyper2kvm/virtio-win`, re-exported here.
 */
export { DEFAULT_VIRTIO_WIN, openVirtioWin, parseIsoListing, virtioWinPath, type VirtioWinSource } from '@hyper2kvm/virtio-win';

/** A driver package of one OS directory and architecture: its driver directory and files (relative paths). */
export interface DriverPackage {
  /** Driver directory as spelled in the source, e.g. `viostor`, `NetKVM`. */
  dir: string;
  files: string[];
}

/**
 * The driver packages for an OS directory and architecture, without `.pdb`
 * files and `sriov`; `qemufwcfg` is dropped when `fwcfg` is there (they conflict).
 */
export function selectDrivers(listing: string[], osDir: string, arch: string): DriverPackage[] {
  const byDir = new Map<string, string[]>();
  for (const path of listing) {
    const parts = path.split('/');
    if (parts.length !== 4) continue;
    const [dir, os, archDir, file] = parts as [string, string, string, string];
    if (os.toLowerCase() !== osDir.toLowerCase() || archDir.toLowerCase() !== arch.toLowerCase()) continue;
    if (dir.toLowerCase() === 'sriov' || !/\.[^.]+$/.test(file) || file.toLowerCase().endsWith('.pdb')) continue;
    byDir.set(dir, [...(byDir.get(dir) ?? []), path]);
  }
  const dirs = [...byDir.keys()].map((dir) => dir.toLowerCase());
  if (dirs.includes('fwcfg')) for (const dir of [...byDir.keys()]) if (dir.toLowerCase() === 'qemufwcfg') byDir.delete(dir);
  return [...byDir.entries()].map(([dir, files]) => ({ dir, files: files.sort() })).sort((a, b) => a.dir.localeCompare(b.dir));
}
