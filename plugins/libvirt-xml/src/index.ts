/**
 * Emits NAME.xml, a libvirt domain matching the migrated guest: firmware,
 * machine type, virtio disks and NICs with the source MACs, serial console,
 * guest agent channel, rng, balloon.
 */
import { definePlugin, packageManifest } from '@hyper2kvm/core';
import { z } from 'zod';
import { disksOf, guestDefaults, renderDomainXml, type DomainSpec } from './domain-xml.js';

const manifest = packageManifest(import.meta.url);

const options = z
  .object({
    /** libvirt network the NICs attach to. */
    network: z.string().min(1).default('default'),
    /** Used when the export does not say. */
    memoryMiB: z.int().min(128).default(2048),
    vcpus: z.int().min(1).default(2),
    /** `auto`: virtio-blk, or what a plugin recorded in facts.extensions.storageBus. */
    diskBus: z.enum(['auto', 'virtio', 'scsi', 'sata']).default('auto'),
  })
  .strict();

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  engine: '^0.1.0',
  description: 'Emits a libvirt domain (NAME.xml) for the migrated VM',
  options,
  apply(hooks, { options: settings }) {
    hooks.emit.tapPromise(manifest.name, async (context) => {
      const { facts } = context;
      const vm = facts.vm;
      const recordedBus = facts.extensions['storageBus'];
      const diskBus: DomainSpec['diskBus'] = settings.diskBus !== 'auto' ? settings.diskBus : recordedBus === 'scsi' || recordedBus === 'sata' ? recordedBus : 'virtio';
      const nics = vm && vm.nics.length > 0 ? vm.nics.map((nic) => nic.mac) : [undefined];
      const spec: DomainSpec = {
        name: context.name,
        memoryMiB: vm?.memoryMiB ?? settings.memoryMiB,
        vcpus: vm?.vcpus ?? settings.vcpus,
        firmware: facts.firmware === 'uefi' ? 'uefi' : 'bios',
        secureBoot: vm?.secureBoot === true,
        diskBus,
        nicModel: facts.extensions['nicModel'] === 'e1000' ? 'e1000' : 'virtio',
        nics,
        network: settings.network,
        disks: disksOf(context.outputs),
        ...guestDefaults(facts),
      };
      await context.writeOutput(`${context.name}.xml`, renderDomainXml(spec), 'libvirt domain');
    });
  },
});

export * from './domain-xml.js';
