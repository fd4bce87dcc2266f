/**
 * Tells cloud-init that the guest is on KVM now. On its old cloud a guest's
 * cloud-init found its metadata service; on KVM none answers, so at boot it
 * would search (and wait), fall back to the `None` datasource as a *new*
 * instance, and then redo per-instance work: new SSH host keys, users and
 * passwords reset, a fallback DHCP config on a NIC name that may not exist.
 *
 * Policy (see the README for why): a NoCloud seed with the instance id of
 * the last run, so cloud-init sees the same instance and keeps everything;
 * `datasource_list: [ NoCloud, None ]`, so nothing waits for a metadata
 * service; and `network: {config: disabled}` when the guest has a network
 * configuration, which the network plugins move to the KVM NICs and
 * cloud-init must not overwrite. `mode: 'disable'` switches cloud-init off
 * instead.
 */
import { definePlugin, kernelCommandLineText, packageManifest, PlannedGuest, type PlanContext } from '@hyper2kvm/core';
import { z } from 'zod';
import { cloudInitInstalled, DISABLED_MARKER, readCloudInitState, type CloudInitState } from './cloud-init-state.js';
import { dropIn, DROP_IN, metaData, SEED_DIR, USER_DATA } from './seed.js';

const manifest = packageManifest(import.meta.url);

const options = z
  .object({
    /** `nocloud`: keep cloud-init, pointed at a local seed; `disable`: switch it off (`/etc/cloud/cloud-init.disabled`). */
    mode: z.enum(['nocloud', 'disable']).default('nocloud'),
    /** Seed the instance id of the last run, so the first boot on KVM is not a new instance. */
    keepInstance: z.boolean().default(true),
  })
  .strict();

/** What inspection found, under this plugin's name in `facts.extensions`. */
export type CloudInitFacts = CloudInitState;

declare module '@hyper2kvm/core' {
  interface PluginFactExtensions {
    '@hyper2kvm/plugin-cloud-init': CloudInitFacts;
  }
}

const DATASOURCES = ['NoCloud', 'None'];
const FACTS_KEY = '@hyper2kvm/plugin-cloud-init';

/** The guest's network files configure at least one interface (a rename alone configures nothing). */
function hasNetworkConfiguration(p: PlanContext): boolean {
  return (p.facts.linux?.networkConfigs ?? []).some((file) => file.interfaces.some((found) => found.kind !== 'rename'));
}

async function planNoCloud(p: PlanContext, state: CloudInitState, keepInstance: boolean): Promise<void> {
  const keepNetwork = hasNetworkConfiguration(p);
  const from = state.datasource?.replace(/^DataSource/, '');
  const notes: string[] = [];
  const seedExists = await p.guest.exists(`${SEED_DIR}/meta-data`);
  if (seedExists) {
    notes.push(`the guest's own NoCloud seed (${SEED_DIR}) is kept`);
  } else if (keepInstance && state.instanceId && keepNetwork) {
    await p.writeFile(`${SEED_DIR}/meta-data`, metaData(state.instanceId, p.facts.os.hostname), 'NoCloud seed with the old instance id');
    await p.writeFile(`${SEED_DIR}/user-data`, USER_DATA, 'NoCloud seed: no new user data');
    notes.push(`it reads a NoCloud seed with the instance id of its last run (${state.instanceId}), so SSH host keys, users and passwords stay as they are`);
  } else {
    const why = !state.instanceId
      ? 'cloud-init has no record of an earlier run on this guest'
      : !keepInstance
        ? 'keepInstance is off in the plugin options'
        : 'the guest has no network configuration to keep, and cloud-init renders one only for a new instance';
    p.report({
      rule: 'cloud-init-new-instance',
      severity: state.instanceId ? 'warning' : 'info',
      message: `cloud-init will treat the first boot on KVM as a new instance (${why}): it runs its per-instance modules again, which regenerate SSH host keys and apply the image's user configuration`,
      ...(state.instanceId ? { hint: 'turn keepInstance on and give the guest a network configuration, or accept new host keys' } : {}),
    });
  }
  const changed = await p.writeFile(
    DROP_IN,
    dropIn({ datasources: DATASOURCES, keepNetwork, ...(from ? { from } : {}) }),
    `cloud-init on KVM: datasource search limited to ${DATASOURCES.join(', ')}${keepNetwork ? '; the existing network configuration is kept, not rendered again' : ''}`,
  );
  if (!changed) return;
  notes.unshift(`it looks only for the NoCloud seed, then None, so boot does not wait for a metadata service`);
  if (keepNetwork)
    notes.push(
      state.renderedNetwork.length > 0
        ? `the network configuration it rendered (${state.renderedNetwork.join(', ')}) is kept, moved to the KVM NICs, and not rendered again`
        : 'the guest network configuration is kept and cloud-init does not render one',
    );
  else notes.push('it renders its fallback network configuration (DHCP on the first NIC)');
  p.report({
    rule: 'cloud-init-on-kvm',
    severity: 'info',
    message: `cloud-init${state.instanceId ? ` (last run: ${state.instanceId}${from ? ` on ${from}` : ''})` : ''}: ${notes.join('; ')}`,
  });
}

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Tells cloud-init it is on KVM now: a NoCloud seed with the old instance id, no metadata wait, the rendered network kept',
  options,
  appliesTo: (facts) => facts.os.type === 'linux',
  apply(hooks, { options: settings }) {
    hooks.inspect.tapPromise(manifest.name, async ({ guest: access, facts }) => {
      const guest = new PlannedGuest(access); // the read helpers (readText) over the guest as it is
      if (!facts.linux || !(await cloudInitInstalled(guest))) return;
      const networkFiles = Object.values(facts.linux.network).flat();
      facts.extensions[FACTS_KEY] = await readCloudInitState(guest, networkFiles, await kernelCommandLineText(guest));
    });

    hooks.plan.tapPromise(manifest.name, async (p) => {
      const state = p.facts.extensions[FACTS_KEY];
      if (!state) return;
      if (state.disabled) {
        p.report({ rule: 'cloud-init-disabled', severity: 'info', message: 'cloud-init is installed but switched off on this guest; nothing to change' });
        return;
      }
      if (settings.mode === 'disable') {
        await p.writeFile(
          DISABLED_MARKER,
          '# Written by hyper2kvm: cloud-init is switched off on KVM (plugin option mode: disable).\n',
          'switch cloud-init off',
        );
        p.report({
          rule: 'cloud-init-on-kvm',
          severity: 'info',
          message: `cloud-init is switched off (${DISABLED_MARKER}); the guest's network configuration, host keys and users stay as they are`,
        });
        return;
      }
      await planNoCloud(p, state, settings.keepInstance);
    });
  },
});
