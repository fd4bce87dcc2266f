/** KubeVirt objects for a migrated VM. Pure: unit-tested beside. */
import { stringify } from 'yaml';
import { networkTargetFor, type GuestFacts, type NetworkMap, type OutputDisk, type VmNicDescription } from '@hyper2kvm/core';

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
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return cleaned || 'vm';
}

/** Bytes → a Kubernetes quantity in whole GiB, rounded up. */
export function gibQuantity(bytes: number): string {
  return `${Math.max(1, Math.ceil(bytes / 2 ** 30))}Gi`;
}

type KubeObject = Record<string, unknown>;

/**
 * The VM's networks: a NIC whose source network the map sends somewhere
 * attaches to the Multus network of that name (bridge binding); of the
 * others, the first takes the pod network (masquerade), since a VM has at
 * most one, and the rest a Multus network named after their source network.
 */
export function kubevirtNetworks(nics: VmNicDescription[], networkMap: NetworkMap, model: string): { interfaces: KubeObject[]; networks: KubeObject[] } {
  const interfaces: KubeObject[] = [];
  const networks: KubeObject[] = [];
  let podTaken = false;
  nics.forEach((nic, index) => {
    const name = `nic${index + 1}`;
    const target = networkTargetFor(networkMap, nic.network);
    const pod = target === undefined && !podTaken;
    podTaken ||= pod;
    interfaces.push({ name, model, ...(pod ? { masquerade: {} } : { bridge: {} }), ...(nic.mac ? { macAddress: nic.mac } : {}) });
    networks.push(pod ? { name, pod: {} } : { name, multus: { networkName: target?.name ?? kubernetesName(nic.network ?? name) } });
  });
  return { interfaces, networks };
}

export function kubevirtObjects(name: string, facts: GuestFacts, outputs: OutputDisk[], options: KubevirtOptions, networkMap: NetworkMap = {}): KubeObject[] {
  const vmName = kubernetesName(name);
  const metadata = (objectName: string): KubeObject => ({
    name: objectName,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    labels: { 'app.kubernetes.io/managed-by': 'hyper2kvm' },
  });
  const disks = [...outputs].sort((a, b) => a.index - b.index);
  const dataVolumes = disks.map((disk) => ({
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: {
      ...metadata(`${vmName}-disk${disk.index + 1}`),
      annotations: { 'hyper2kvm.io/source-image': disk.path, ...(disk.sha256 ? { 'hyper2kvm.io/source-sha256': disk.sha256 } : {}) },
    },
    spec: {
      source: { upload: {} },
      storage: {
        ...(options.storageClass ? { storageClassName: options.storageClass } : {}),
        resources: { requests: { storage: gibQuantity(disk.virtualSize * (1 + options.overheadPercent / 100)) } },
      },
    },
  }));
  const vm = facts.vm;
  const nics: VmNicDescription[] = vm && vm.nics.length > 0 ? vm.nics : [{}];
  const { interfaces, networks } = kubevirtNetworks(nics, networkMap, facts.target.nicModel);
  const uefi = facts.firmware === 'uefi';
  const windows = facts.os.type === 'windows';
  const bus = facts.target.diskBus;
  const virtualMachine = {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    // KubeVirt has no field for the VM generation ID: kept as an annotation for whoever needs it.
    metadata: { ...metadata(vmName), ...(vm?.genid ? { annotations: { 'hyper2kvm.io/vm-generation-id': vm.genid } } : {}) },
    spec: {
      runStrategy: 'Halted',
      template: {
        metadata: { labels: { 'kubevirt.io/domain': vmName } },
        spec: {
          domain: {
            cpu: vm?.topology
              ? { sockets: vm.topology.sockets, cores: vm.topology.cores, threads: vm.topology.threads }
              : { cores: vm?.vcpus ?? options.vcpus },
            memory: { guest: `${vm?.memoryMiB ?? options.memoryMiB}Mi` },
            machine: { type: 'q35' },
            firmware: { bootloader: uefi ? { efi: { secureBoot: vm?.secureBoot === true } } : { bios: {} } },
            features: { acpi: {}, apic: {}, ...(uefi && vm?.secureBoot ? { smm: { enabled: true } } : {}) },
            ...(windows ? { clock: { timezone: 'UTC', utc: {} } } : {}),
            devices: {
              disks: disks.map((disk, position) => ({ name: `disk${disk.index + 1}`, disk: { bus }, ...(position === 0 ? { bootOrder: 1 } : {}) })),
              interfaces,
              rng: {},
            },
          },
          networks,
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
  const header = [
    '# KubeVirt manifests written by hyper2kvm.',
    '# 1. kubectl apply -f this file (the DataVolumes wait for an upload).',
    '# 2. Upload each disk:',
    ...uploads,
    '# 3. virtctl start ' + kubernetesName(vmName),
  ].join('\n');
  return `${header}\n${objects.map((object) => `---\n${stringify(object)}`).join('')}`;
}
