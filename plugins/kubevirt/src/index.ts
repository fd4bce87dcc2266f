/**
 * Emits NAME-kubevirt.yaml: a KubeVirt VirtualMachine matching the libvirt
 * domain, and one CDI DataVolume per converted disk to upload it into.
 */
import { definePlugin, packageManifest } from '@hyper2kvm/core';
import { z } from 'zod';
import { kubernetesName, kubevirtObjects, renderKubevirtYaml } from './manifest.js';

const manifest = packageManifest(import.meta.url);

const options = z
  .object({
    namespace: z.string().min(1).optional(),
    storageClass: z.string().min(1).optional(),
    overheadPercent: z.number().min(0).max(100).default(10),
    memoryMiB: z.int().min(128).default(2048),
    vcpus: z.int().min(1).default(2),
  })
  .strict();

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Emits a KubeVirt VirtualMachine with DataVolumes (NAME-kubevirt.yaml)',
  options,
  apply(hooks, { options: settings }) {
    hooks.emit.tapPromise(manifest.name, async (context) => {
      const objects = kubevirtObjects(context.name, context.facts, context.outputs, settings, context.networkMap);
      await context.writeOutput(
        `${context.name}-kubevirt.yaml`,
        renderKubevirtYaml(objects, context.outputs, context.name),
        `KubeVirt manifest (VirtualMachine ${kubernetesName(context.name)})`,
      );
    });
  },
});

export * from './manifest.js';
