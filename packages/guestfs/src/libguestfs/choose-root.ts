/**
 * Which of the roots libguestfs inspection found is the guest's operating
 * system. Pure: the libguestfs calls that gather each root's facts are in
 * os-inspection.ts.
 *
 * A btrfs guest shows one root per subvolume holding an OS: the live root
 * (`@`) and every snapper or apt-btrfs-snapshot snapshot of it (an older copy
 * of the same OS, with its own hostname and packages). The live root is the
 * one that is what its own fstab mounts at `/` (`subvol=@`), or the btrfs
 * default subvolume (what the kernel mounts without `subvol=`). A snapshot is
 * read-only, or its fstab (copied from the live root) mounts another root at
 * `/`: it is skipped. Guests without btrfs roots keep the first root.
 */

/** What os-inspection.ts found about one root libguestfs inspection reported. */
export interface RootCandidate {
  /** The root as libguestfs names it: `/dev/sda1`, `/dev/vg/root`, `btrfsvol:/dev/sda2/@`. */
  root: string;
  /** The device this root's own fstab mounts at `/` (`btrfsvol:/dev/sda2/@` for `subvol=@`); absent without one. */
  fstabRoot?: string;
  /** btrfs subvolumes only: the subvolume has the read-only flag (a snapshot). */
  readOnly?: boolean;
  /** btrfs subvolumes only: the subvolume is the file system's default (mounted when no `subvol=` is given). */
  isDefault?: boolean;
}

/** A root that was not used, and why. */
export interface SkippedRoot {
  root: string;
  reason: string;
}

/** The root to use, the others that look like operating systems, and the snapshots skipped. */
export interface RootChoice {
  root: string;
  /** Other operating systems (multi-boot guests): not used, not snapshots. */
  otherRoots: string[];
  /** btrfs snapshots of the root (read-only, or not what any fstab mounts at `/`): not used. */
  skippedRoots: SkippedRoot[];
}

/** libguestfs names a btrfs subvolume `btrfsvol:DEVICE/PATH`, e.g. `btrfsvol:/dev/sda2/@`. */
export function isBtrfsSubvolume(name: string): boolean {
  return name.startsWith('btrfsvol:');
}

/**
 * One spelling per mountable: fstab's `subvol=/@` reaches us as
 * `btrfsvol:/dev/sda2//@`, `subvol=@/` as `…/@/`; both are `…/@`.
 */
function normalMountable(name: string): string {
  return isBtrfsSubvolume(name) ? name.replace(/\/{2,}/g, '/').replace(/\/+$/, '') : name;
}

function sameMountable(a: string, b: string): boolean {
  return normalMountable(a) === normalMountable(b);
}

/**
 * Chooses the root to use among those inspection found, in inspection's
 * order. Without btrfs subvolume roots: the first (multi-boot guests keep
 * today's choice). With them: read-only subvolumes and subvolumes whose
 * fstab mounts another found root at `/` are skipped as snapshots; of the
 * rest, the first that its own fstab mounts at `/` and is the default
 * subvolume wins, then one its fstab mounts at `/`, then the default
 * subvolume, then the first. When every root would be skipped, nothing is
 * skipped (a guest whose only OS is a snapshot is still that OS).
 */
export function chooseRoot(candidates: readonly RootCandidate[]): RootChoice | null {
  const [first] = candidates;
  if (first === undefined) return null;
  if (!candidates.some((candidate) => isBtrfsSubvolume(candidate.root))) {
    return { root: first.root, otherRoots: candidates.slice(1).map((candidate) => candidate.root), skippedRoots: [] };
  }
  const skippedRoots: SkippedRoot[] = [];
  const kept: RootCandidate[] = [];
  for (const candidate of candidates) {
    const reason = snapshotReason(candidate, candidates);
    if (reason) skippedRoots.push({ root: candidate.root, reason });
    else kept.push(candidate);
  }
  if (kept.length === 0) return { root: first.root, otherRoots: candidates.slice(1).map((candidate) => candidate.root), skippedRoots: [] };
  const chosen =
    kept.find((candidate) => mountsItself(candidate) && candidate.isDefault === true) ??
    kept.find(mountsItself) ??
    kept.find((candidate) => candidate.isDefault === true) ??
    kept[0]!;
  return { root: chosen.root, otherRoots: kept.filter((candidate) => candidate !== chosen).map((candidate) => candidate.root), skippedRoots };
}

/**
 * The root's own fstab mounts it at `/`: by its subvolume (`subvol=@`), or,
 * for the default subvolume, by the bare device (no `subvol=`: openSUSE).
 */
function mountsItself(candidate: RootCandidate): boolean {
  const { fstabRoot, root } = candidate;
  if (fstabRoot === undefined) return false;
  return sameMountable(fstabRoot, root) || (candidate.isDefault === true && normalMountable(root).startsWith(`btrfsvol:${fstabRoot}/`));
}

/** Why a btrfs subvolume root is a snapshot of another root, or `null` when it is not one. */
function snapshotReason(candidate: RootCandidate, all: readonly RootCandidate[]): string | null {
  if (!isBtrfsSubvolume(candidate.root)) return null;
  if (candidate.readOnly === true) return 'read-only btrfs subvolume (a snapshot)';
  const { fstabRoot } = candidate;
  if (fstabRoot === undefined || mountsItself(candidate)) return null;
  const mounted = all.find((other) => other !== candidate && sameMountable(fstabRoot, other.root));
  return mounted ? `its fstab mounts ${mounted.root} at / (a snapshot of that root)` : null;
}
