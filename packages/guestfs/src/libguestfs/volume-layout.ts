/**
 * Where each guest volume lives inside the appliance, and how guest paths map
 * to appliance paths and back.
 *
 * Normally the guest's root file system is mounted at the appliance's `/` and
 * paths pass through unchanged. A Windows guest also has boot volumes (the
 * ESP, a System Reserved partition) that have no place in C:'s tree, and
 * mounting them on C: would need a directory created on C: first. Instead
 * every volume is mounted on its own mount point in the appliance's root
 * (libguestfs `mkmountpoint`, which writes nothing to any guest disk), and
 * this layout maps the guest's view onto them: `/` is the system volume, and
 * each boot volume appears under a reserved guest path such as
 * `/.hyper2kvm/esp`.
 */
import { GuestFsError } from '@hyper2kvm/core';

/** One mounted volume: the guest path it appears at and its appliance mount point. */
export interface VolumeMount {
  /** Guest path, `/` for the system volume, e.g. `/.hyper2kvm/esp`. */
  guestRoot: string;
  /** Appliance path it is mounted on, e.g. `/volumes/esp`. */
  appliancePath: string;
}

/**
 * An immutable guest ↔ appliance path map. Prefixes match whole path
 * components (`/.hyper2kvm/esp` does not match `/.hyper2kvm/esp2`), the
 * longest one wins, and they are compared exactly (case-sensitively).
 */
export class VolumeLayout {
  /** Longest guest root first, so the most specific mount wins. */
  readonly #mounts: readonly VolumeMount[];

  private constructor(mounts: readonly VolumeMount[]) {
    this.#mounts = [...mounts].sort((a, b) => b.guestRoot.length - a.guestRoot.length);
  }

  /** Guest `/` is the appliance's `/`: the layout of a guest mounted the usual way. */
  static identity(): VolumeLayout {
    return new VolumeLayout([{ guestRoot: '/', appliancePath: '/' }]);
  }

  /** The system volume mounted on `appliancePath` and seen as the guest's `/`. */
  static systemAt(appliancePath: string): VolumeLayout {
    return new VolumeLayout([{ guestRoot: '/', appliancePath }]);
  }

  /** A layout with one more volume. */
  with(mount: VolumeMount): VolumeLayout {
    if (this.#mounts.some((known) => known.guestRoot === mount.guestRoot)) {
      throw new GuestFsError(`a volume is already mounted at guest path ${mount.guestRoot}`, { code: 'GUESTFS_MOUNTED' });
    }
    return new VolumeLayout([...this.#mounts, mount]);
  }

  /** True when guest paths are appliance paths (nothing to map). */
  get isIdentity(): boolean {
    return this.#mounts.length === 1 && this.#mounts[0]?.appliancePath === '/';
  }

  /** Guest roots of the volumes, shortest first (`/` first). */
  get guestRoots(): string[] {
    return this.#mounts.map((mount) => mount.guestRoot).reverse();
  }

  /** The appliance path of a normalised absolute guest path (or glob pattern). */
  toAppliance(guestPath: string): string {
    for (const { guestRoot, appliancePath } of this.#mounts) {
      const rest = remainder(guestPath, guestRoot);
      if (rest !== null) return join(appliancePath, rest);
    }
    return guestPath;
  }

  /** The guest path of an appliance path libguestfs returned (glob matches, resolved names). */
  toGuest(appliancePath: string): string {
    let best: { mount: VolumeMount; rest: string } | null = null;
    for (const mount of this.#mounts) {
      const rest = remainder(appliancePath, mount.appliancePath);
      if (rest !== null && (best === null || mount.appliancePath.length > best.mount.appliancePath.length)) best = { mount, rest };
    }
    return best === null ? appliancePath : join(best.mount.guestRoot, best.rest);
  }

  /** True for the guest root of a volume (which must not be removed or renamed). */
  isVolumeRoot(guestPath: string): boolean {
    return this.#mounts.some((mount) => mount.guestRoot === guestPath);
  }
}

/** The part of `path` below `root` (`''` for the root itself), or `null` when `path` is not under it. */
function remainder(path: string, root: string): string | null {
  if (root === '/') return path.startsWith('/') ? path.slice(1) : null;
  if (path === root) return '';
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : null;
}

function join(root: string, rest: string): string {
  if (rest === '') return root;
  return root === '/' ? `/${rest}` : `${root}/${rest}`;
}
