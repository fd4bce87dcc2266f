import { describe, expect, it } from 'vitest';
import { chooseRoot, type RootCandidate } from './choose-root.js';

// Names as libguestfs 1.48 reports them for the ubuntu-2204-btrfs test image.
const LIVE = 'btrfsvol:/dev/sda2/@';
const SNAPSHOT = 'btrfsvol:/dev/sda2/@snapshots/1/snapshot';

describe('chooseRoot', () => {
  it('keeps the first root of a guest without btrfs subvolumes (multi-boot)', () => {
    expect(
      chooseRoot([
        { root: '/dev/sda1', fstabRoot: '/dev/sda1' },
        { root: '/dev/sda3', fstabRoot: '/dev/sda3' },
      ]),
    ).toEqual({
      root: '/dev/sda1',
      otherRoots: ['/dev/sda3'],
      skippedRoots: [],
    });
    expect(chooseRoot([])).toBeNull();
  });

  it('uses the live subvolume, not a read-only snapshot listed before it', () => {
    const candidates: RootCandidate[] = [
      { root: SNAPSHOT, fstabRoot: LIVE, readOnly: true, isDefault: false },
      { root: LIVE, fstabRoot: LIVE, readOnly: false, isDefault: false },
    ];
    expect(chooseRoot(candidates)).toEqual({
      root: LIVE,
      otherRoots: [],
      skippedRoots: [{ root: SNAPSHOT, reason: 'read-only btrfs subvolume (a snapshot)' }],
    });
  });

  it('skips a writable snapshot whose fstab mounts another root at /', () => {
    const choice = chooseRoot([
      { root: SNAPSHOT, fstabRoot: LIVE, readOnly: false },
      { root: LIVE, fstabRoot: LIVE, readOnly: false },
    ]);
    expect(choice?.root).toBe(LIVE);
    expect(choice?.skippedRoots).toEqual([{ root: SNAPSHOT, reason: `its fstab mounts ${LIVE} at / (a snapshot of that root)` }]);
  });

  it('compares subvol=/@ and subvol=@ as the same subvolume', () => {
    const choice = chooseRoot([
      { root: SNAPSHOT, fstabRoot: 'btrfsvol:/dev/sda2//@' },
      { root: LIVE, fstabRoot: 'btrfsvol:/dev/sda2//@' },
    ]);
    expect(choice?.root).toBe(LIVE);
    expect(choice?.skippedRoots.map((skipped) => skipped.root)).toEqual([SNAPSHOT]);
  });

  it('uses the default subvolume when fstab mounts / without subvol= (openSUSE)', () => {
    const current = 'btrfsvol:/dev/sda2/@/.snapshots/1/snapshot';
    const older = 'btrfsvol:/dev/sda2/@/.snapshots/2/snapshot';
    const choice = chooseRoot([
      { root: older, fstabRoot: '/dev/sda2', readOnly: true, isDefault: false },
      { root: current, fstabRoot: '/dev/sda2', readOnly: false, isDefault: true },
    ]);
    expect(choice).toEqual({ root: current, otherRoots: [], skippedRoots: [{ root: older, reason: 'read-only btrfs subvolume (a snapshot)' }] });
  });

  it('prefers the root that mounts itself over an earlier one that does not say', () => {
    const choice = chooseRoot([{ root: 'btrfsvol:/dev/sda2/@other' }, { root: LIVE, fstabRoot: LIVE }]);
    expect(choice).toEqual({ root: LIVE, otherRoots: ['btrfsvol:/dev/sda2/@other'], skippedRoots: [] });
  });

  it('keeps two independent OSes on btrfs as a multi-boot guest, each mounting itself', () => {
    const other = 'btrfsvol:/dev/sdb1/@rootfs';
    expect(
      chooseRoot([
        { root: LIVE, fstabRoot: LIVE },
        { root: other, fstabRoot: other },
      ]),
    ).toEqual({ root: LIVE, otherRoots: [other], skippedRoots: [] });
  });

  it('still uses a snapshot when it is the only root found', () => {
    expect(chooseRoot([{ root: SNAPSHOT, fstabRoot: LIVE, readOnly: true }])).toEqual({ root: SNAPSHOT, otherRoots: [], skippedRoots: [] });
  });
});
