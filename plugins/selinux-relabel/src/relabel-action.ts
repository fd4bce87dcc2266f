/**
 * The `selinux.relabel` action. Inside the appliance the kernel runs without
 * SELinux, so files written there get no label. The guest's own `setfiles`
 * with its policy's file_contexts labels exactly the changed paths; when that
 * is not possible, `/.autorelabel` makes the guest relabel itself on the next
 * boot (always safe, one extra reboot).
 */
import { parseShellAssignments, type ActionContext } from '@hyper2kvm/core';
import { relabelTargets } from './relabel-targets.js';

/**
 * `setfiles` rather than `restorecon`: restorecon skips file systems not
 * mounted with `seclabel`, which none are in an appliance without SELinux;
 * `setfiles -m` does not look at the mounts.
 */
const SETFILES = ['/usr/sbin/setfiles', '/sbin/setfiles'];
const AUTORELABEL = '/.autorelabel';

async function firstExisting(context: ActionContext, paths: string[]): Promise<string | undefined> {
  for (const path of paths) if (await context.guest.exists(path)) return path;
  return undefined;
}

/** The policy's file_contexts, from SELINUXTYPE in /etc/selinux/config (default `targeted`). */
async function fileContextsPath(context: ActionContext): Promise<string | undefined> {
  const config = (await context.guest.exists('/etc/selinux/config')) ? (await context.guest.readFile('/etc/selinux/config')).toString('utf8') : '';
  const type = parseShellAssignments(config)['SELINUXTYPE'] || 'targeted';
  if (!/^[\w.-]+$/.test(type)) return undefined;
  return firstExisting(context, [`/etc/selinux/${type}/contexts/files/file_contexts`]);
}

async function scheduleAutorelabel(context: ActionContext, why: string): Promise<void> {
  await context.guest.writeFile(AUTORELABEL, '', { mode: 0o644 });
  context.report({
    rule: 'selinux-autorelabel',
    severity: 'info',
    message: `${why}; created ${AUTORELABEL}, so the guest relabels its file systems on the first boot (one extra reboot)`,
  });
}

/** Provides `selinux.relabel`. */
export async function relabelChangedFiles(context: ActionContext): Promise<void> {
  const candidates = relabelTargets(context.plan, context.request, context.facts);
  const targets: string[] = [];
  for (const path of candidates) if (await context.guest.exists(path)) targets.push(path);
  if (targets.length === 0) {
    context.report({ rule: 'selinux-relabel', severity: 'info', message: 'nothing this migration wrote needs an SELinux label' });
    return;
  }
  const setfiles = await firstExisting(context, SETFILES);
  const fileContexts = await fileContextsPath(context);
  if (!setfiles || !fileContexts) {
    await scheduleAutorelabel(context, `the guest has no ${setfiles ? 'policy file_contexts' : 'setfiles'} to relabel with`);
    return;
  }
  // -F resets every part of the context; -m ignores the appliance's mount list (no seclabel there).
  const argv = [setfiles, '-F', '-m', fileContexts, ...targets];
  try {
    await context.guest.command(argv);
  } catch (error) {
    context.logger.warn({ err: error, argv }, 'setfiles failed');
    const reason = (error instanceof Error ? error.message : String(error)).trim().split('\n').slice(-2).join(' ');
    await scheduleAutorelabel(context, `\`${setfiles} -F -m\` failed (${reason})`);
    return;
  }
  context.report({ rule: 'selinux-relabel', severity: 'info', message: `relabelled ${targets.join(', ')} with ${setfiles} and ${fileContexts}` });
}
