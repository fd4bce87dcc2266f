/**
 * Gives the files a migration changed their SELinux labels on guests with
 * SELinux enforcing or permissive: relabelled with the guest's own policy,
 * or `/.autorelabel` when that cannot be done offline.
 */
import { ACTION_STAGE, definePlugin, packageManifest } from '@hyper2kvm/core';
import { relabelChangedFiles } from './relabel-action.js';

const manifest = packageManifest(import.meta.url);

/** The deferred action this plugin requests and provides; the engine runs it last. */
export const RELABEL_ACTION = 'selinux.relabel';

function selinuxEnabled(mode: string | undefined): mode is 'enforcing' | 'permissive' {
  return mode === 'enforcing' || mode === 'permissive';
}

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Relabels the files a migration changed on SELinux guests, or schedules /.autorelabel',
  // After every other plugin, so its request sits at the end of the plan next to what it relabels.
  enforce: 'post',
  appliesTo: (facts) => facts.os.type === 'linux' && selinuxEnabled(facts.linux?.selinux),
  apply(hooks) {
    hooks.plan.tap(manifest.name, (p) => {
      const mode = p.facts.linux?.selinux;
      if (!selinuxEnabled(mode)) return;
      p.requireAction(RELABEL_ACTION);
      p.report({
        rule: 'selinux-relabel',
        severity: 'info',
        message: `SELinux is ${mode}: the files this migration writes will be relabelled with the guest's policy, or /.autorelabel created when that is not possible offline`,
      });
    });
    hooks.action.for(RELABEL_ACTION).tapPromise(manifest.name, relabelChangedFiles, { stage: ACTION_STAGE.labels });
  },
});

export { ACTION_OUTPUTS, pathsWrittenByPlan, relabelTargets } from './relabel-targets.js';
