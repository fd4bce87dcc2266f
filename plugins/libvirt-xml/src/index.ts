/**
 * Emits NAME.xml, a libvirt domain matching the migrated guest: firmware,
 * machine type, virtio disks and NICs with the source MACs, serial console,
 * guest agent channel, rng, balloon.
 */
import { definePlugin, packageManifest } from '@hyper2kvm/core';
import { z } from 'zod';
import { bootstrapSpec, disksOf, guestDefaults, nicsOf, renderDomainXml, type DomainSpec } from './domain-xml.js';

const DEFAULT_VIRTIO_WIN_ISO = '/usr/share/virtio-win/virtio-win.iso';

const manifest = packageManifest(import.meta.url);

const options = z
  .object({
    /** libvirt network the NICs attach to when the network map (config `networks`, `--network-map`) does not say. */
    network: z.string().min(1).default('default'),
    /** Used when the export does not say. */
    memoryMiB: z.int().min(128).default(2048),
    vcpus: z.int().min(1).default(2),
    /** `auto`: the guest's target disk bus (`facts.target.diskBus`: virtio-blk unless a plugin chose otherwise). */
    diskBus: z.enum(['auto', 'virtio', 'scsi', 'sata']).default('auto'),
    /** virtio-win ISO attached to the Windows bootstrap domain (default: the run's virtio-win setting when it is an ISO, then the Debian/Fedora path). */
    virtioWinIso: z.string().min(1).optional(),
  })
  .strict();

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Emits a libvirt domain (NAME.xml) for the migrated VM',
  options,
  apply(hooks, { options: settings, run }) {
    hooks.emit.tapPromise(manifest.name, async (context) => {
      const { facts } = context;
      const vm = facts.vm;
      const diskBus: DomainSpec['diskBus'] = settings.diskBus !== 'auto' ? settings.diskBus : facts.target.diskBus;
      const spec: DomainSpec = {
        name: context.name,
        memoryMiB: vm?.memoryMiB ?? settings.memoryMiB,
        vcpus: vm?.vcpus ?? settings.vcpus,
        ...(vm?.topology ? { topology: vm.topology } : {}),
        ...(vm?.genid ? { genid: vm.genid } : {}),
        firmware: facts.firmware === 'uefi' ? 'uefi' : 'bios',
        secureBoot: vm?.secureBoot === true,
        diskBus,
        nicModel: facts.target.nicModel,
        nics: nicsOf(vm, context.networkMap, { type: 'network', name: settings.network }),
        disks: disksOf(context.outputs),
        ...guestDefaults(facts),
      };
      await context.writeOutput(`${context.name}.xml`, renderDomainXml(spec), 'libvirt domain');
      if (facts.os.type === 'windows') {
        // A first boot on devices Windows has inbox drivers for, with the virtio-win
        // ISO at hand, lets it settle its drivers before the final virtio domain is used.
        const iso = settings.virtioWinIso ?? run.virtioWin ?? DEFAULT_VIRTIO_WIN_ISO;
        const bootstrap = bootstrapSpec(spec, iso.endsWith('.iso') ? iso : undefined);
        await context.writeOutput(
          `${context.name}-bootstrap.xml`,
          renderDomainXml(bootstrap),
          'libvirt bootstrap domain (first boot: SATA, e1000, virtio-win ISO)',
        );
      }
    });
  },
});

export * from './domain-xml.js';
