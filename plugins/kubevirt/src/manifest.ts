/** KubeVirt objects for a migrated VM. Pure: unit-tested beside. */
import { stringify } from 'yaml';
import type { GuestFacts, OutputDisk } from '@hyper2kvm/core';

export interface KubevirtOptions {
  namespace?: string;
  storageClass?: string;
  /** Extra room on each volume beyond the disk's virtual size (filesystem overhead of the PVC). */
  overheadPercent: number;
  memoryMiB: number;
  vcpus: number;
}

/** Kubernetes object names: lower-case DNS-1123 labels, at most 63 characters. */
export function kubernetesName(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return cleaned || 'vm';
}

/** Bytes → a Kubernetes quantity in whole GiB, rounded up. */
export function gibQuantity(bytes: number): string {
  return `${Math.max(1, Math.ceil(bytes / 2 ** 30))}Gi`;
}

type KubeObject = Record<string, unknown>;

export function kubevirtObjects(name: string, facts: GuestFacts, outputs: OutputDisk[], options: KubevirtOptions): KubeObject[] {
  const vmName = kubernetesName(name);
  const metadata = (objectName: string): KubeObject => ({ name: objectName, ...(options.namespace ? { namespace: options.namespace } : {}), labels: { 'app.kubernetes.io/managed-by': 'hyper2kvm' } });
  const disks = [...outputs].sort((a, b) => a.index - b.index);
  const dataVolumes = disks.map((disk) => ({
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: { ...metadata(`${vmName}-disk${disk.index + 1}`), annotations: { 'hyper2kvm.io/source-image': disk.path, ...(disk.sha256 ? { 'hyper2kvm.io/source-sha256': disk.sha256 } : {}) } },
    spec: {
      source: { upload: {} },
      storage: {
        ...(options.storageClass ? { storageClassName: options.storageClass } : {}),
        resources: { requests: { storage: gibQuantity(disk.virtualSize * (1 + options.overheadPercent / 100)) } },
      },
    },
  }));
  const vm = facts.vm;
  const nics = vm && vm.nics.length > 0 ? vm.nics : [{}];
  const uefi = facts.firmware === 'uefi';
  const windows = facts.os.type === 'windows';
  const bus = facts.extensions['storageBus'] === 'sata' ? 'sata' : facts.extensions['storageBus'] === 'scsi' ? 'scsi' : 'virtio';
  const virtualMachine = {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: metadata(vmName),
    spec: {
      runStrategy: 'Halted',
      template: {
        metadata: { labels: { 'kubevirt.io/domain': vmName } },
        spec: {
          domain: {
            cpu: { cores: vm?.vcpus ?? options.vcpus },
            memory: { guest: `${vm?.memoryMiB ?? options.memoryMiB}Mi` },
            machine: { type: 'q35' },
            firmware: { bootloader: uefi ? { efi: { secureBoot: vm?.secureBoot === true } } : { bios: {} } },
            features: { acpi: {}, apic: {}, ...(uefi && vm?.secureBoot ? { smm: { enabled: true } } : {}) },
            ...(windows ? { clock: { timezone: 'UTC', utc: {} } } : {}),
            devices: {
              disks: disks.map((disk, position) => ({ name: `disk${disk.index + 1}`, disk: { bus }, ...(position === 0 ? { bootOrder: 1 } : {}) })),
              interfaces: nics.map((nic, index) => ({ name: `nic${index + 1}`, model: facts.extensions['nicModel'] === 'e1000' ? 'e1000' : 'virtio', masquerade: {}, ...('mac' in nic && nic.mac ? { macAddress: nic.mac } : {}) })),
              rng: {},
            },
          },
          networks: nics.map((_nic, index) => ({ name: `nic${index + 1}`, pod: {} })),
          volumes: disks.map((disk) => ({ name: `disk${disk.index + 1}`, dataVolume: { name: `${vmName}-disk${disk.index + 1}` } })),
        },
      },
    },
  };
  return [...dataVolumes, virtualMachine];
}

/** Multi-document YAML with a header saying how to upload the disks. */
export function renderKubevirtYaml(objects: KubeObject[], outputs: OutputDisk[], vmName: string): string {
  const uploads = [...outputs]
    .sort((a, b) => a.index - b.index)
    .map((disk) => `#   virtctl image-upload dv ${kubernetesName(vmName)}-disk${disk.index + 1} --no-create --image-path=${disk.path}`);
  const header = ['# KubeVirt manifests written by hyper2kvm.', '# 1. kubectl apply -f this file (the DataVolumes wait for an upload).', '# 2. Upload each disk:', ...uploads, '# 3. virtctl start ' + kubernetesName(vmName)].join('\n');
  return `${header}\n${objects.map((object) => `---\n${stringify(object)}`).join('')}`;
}
