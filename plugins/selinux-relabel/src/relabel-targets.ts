/**
 * Which guest paths need their SELinux label set after a migration: what the
 * plan wrote, what other plugins name in the request, and the folders other
 * deferred actions write into.
 */
import type { ActionRequest, GuestFacts, Plan } from '@hyper2kvm/core';

/** Folders that other deferred actions write into, relabelled recursively after them. */
export const ACTION_OUTPUTS: Record<string, string[]> = {
  'initramfs.rebuild': ['/boot'],
  'grub.mkconfig': ['/boot'],
  'hypervisor-tools.remove': ['/var/lib/rpm', '/var/lib/dpkg', '/etc/systemd/system'],
};

/** File systems that keep no extended attributes, so no labels. */
const UNLABELLED_FS_TYPES = new Set(['vfat', 'msdos', 'exfat', 'ntfs', 'ntfs3', 'iso9660', 'udf']);

/** Paths the plan creates or rewrites (deleted paths need no label). */
export function pathsWrittenByPlan(plan: Plan): string[] {
  return plan.changes.flatMap((change) => {
    switch (change.kind) {
      case 'file.write':
      case 'dir.create':
      case 'symlink.create':
        return [change.path];
      case 'file.rename':
        return [change.to];
      case 'upload':
        return [change.guestPath];
      default:
        return [];
    }
  });
}

function isUnder(path: string, folder: string): boolean {
  return folder === '/' || path === folder || path.startsWith(`${folder}/`);
}

/**
 * Every path to relabel, sorted, without duplicates, without paths inside a
 * folder already listed (setfiles descends into folders), and without paths
 * on file systems that cannot carry labels (the EFI system partition).
 */
export function relabelTargets(plan: Plan, request: ActionRequest, facts: GuestFacts): string[] {
  const requested = Array.isArray(request.params['paths']) ? request.params['paths'].filter((path): path is string => typeof path === 'string') : [];
  const fromActions = plan.actions.flatMap((action) => ACTION_OUTPUTS[action.key] ?? []);
  const unlabelled = (facts.linux?.fstab ?? []).filter((entry) => UNLABELLED_FS_TYPES.has(entry.type)).map((entry) => entry.mountpoint);
  const all = [...new Set([...pathsWrittenByPlan(plan), ...requested, ...fromActions])]
    .filter((path) => !unlabelled.some((mount) => isUnder(path, mount)))
    .sort();
  return all.filter((path) => !all.some((other) => other !== path && isUnder(path, other)));
}
