/**
 * Removes hypervisor tools (open-vm-tools / VMware Tools, Hyper-V daemons,
 * VirtualBox additions) with the guest's package manager where that works
 * offline, and disables their services in any case; the report says which.
 * Cloud agents (Amazon SSM, Google guest environment, Oracle Cloud Agent)
 * have their services disabled and stay installed.
 */
import { ACTION_STAGE, definePlugin, packageManifest } from '@hyper2kvm/core';
import { z } from 'zod';
import { planToolRemoval } from './plan-removal.js';
import { REMOVE_ACTION } from './removal-params.js';
import { removeHypervisorTools } from './remove-action.js';

const manifest = packageManifest(import.meta.url);

const options = z
  .object({
    /** Remove the packages and run installer uninstallers; when false only the services are disabled. */
    removePackages: z.boolean().default(true),
  })
  .strict();

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Removes VMware, Hyper-V and VirtualBox guest tools offline, or disables their services; disables cloud agents (SSM, Google, Oracle)',
  options,
  appliesTo: (facts) => facts.os.type === 'linux',
  apply(hooks, { options: settings }) {
    hooks.plan.tapPromise(manifest.name, (p) => planToolRemoval(p, settings));
    hooks.action.for(REMOVE_ACTION).tapPromise(manifest.name, removeHypervisorTools, { stage: ACTION_STAGE.packages });
  },
});

export { REMOVE_ACTION, readRemovalParams, type RemovalParams } from './removal-params.js';
export { installedDpkgPackages } from './dpkg-status.js';
export { TOOL_FAMILIES, matchesPackagePattern, type ToolFamily } from './tool-families.js';
export { CLOUD_AGENTS, type CloudAgent } from './cloud-agents.js';
