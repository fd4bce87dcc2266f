/** Checks that a generated boot config names the root file system in a way that survives the move. */

/** `root=` forms that do not depend on the disk's bus or order. */
const STABLE_ROOT = [/^(UUID|PARTUUID|LABEL|PARTLABEL|ZFS)=/i, /^\/dev\/mapper\//, /^\/dev\/disk\/by-(uuid|label|partuuid|partlabel)\//, /^\/dev\/md[\d/]/];
/** Two-level names under /dev that are LVM volumes (`/dev/vg/root`), not kernel disk names or by-path/by-id links. */
const LVM_NAME = /^\/dev\/(?!disk\/)[^/]+\/[^/]+$/;

/** True for a `root=` value that stays right when the disk moves to virtio. */
export function isStableRoot(value: string): boolean {
  return STABLE_ROOT.some((pattern) => pattern.test(value)) || LVM_NAME.test(value);
}

export interface UnstableRoot {
  line: number;
  text: string;
  root: string;
}

/**
 * Kernel lines (`linux`, `linux16`, `linuxefi` in grub.cfg; `options` in BLS
 * entries) whose `root=` is a kernel disk name such as `/dev/sda1` or
 * `/dev/sdb1` (the appliance's own name for the guest disk).
 */
export function unstableRoots(config: string): UnstableRoot[] {
  const found: UnstableRoot[] = [];
  config.split('\n').forEach((text, index) => {
    if (!/^\s*(linux|linux16|linuxefi|options)\s/.test(text)) return;
    for (const match of text.matchAll(/(?<![\w.-])root=("[^"]*"|'[^']*'|\S+)/g)) {
      const root = match[1]!.replace(/^["']|["']$/g, '');
      if (!isStableRoot(root)) found.push({ line: index + 1, text: text.trim(), root });
    }
  });
  return found;
}
