import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { emptyFacts, type GuestFacts, type OutputDisk } from '@hyper2kvm/core';
import { kubernetesName, kubevirtObjects, renderKubevirtYaml } from '../src/manifest.js';

const outputs: OutputDisk[] = [
  { index: 1, path: '/srv/out/Web_01-disk2.qcow2', format: 'qcow2', bytes: 10, virtualSize: 20 * 2 ** 30, sha256: 'b'.repeat(64) },
  { index: 0, path: '/srv/out/Web_01-disk1.qcow2', format: 'qcow2', bytes: 10, virtualSize: 8 * 2 ** 30 + 1, sha256: 'a'.repeat(64) },
];

const facts: GuestFacts = {
  ...emptyFacts({
    origin: 'ovf',
    name: 'Web_01',
    vcpus: 4,
    memoryMiB: 4096,
    firmware: 'uefi',
    secureBoot: true,
    disks: [],
    nics: [{ mac: '00:50:56:aa:bb:cc', model: 'vmxnet3' }],
  }),
  os: { type: 'linux', arch: 'x86_64' },
  firmware: 'uefi',
};

describe('KubeVirt manifest', () => {
  const objects = kubevirtObjects('Web_01', facts, outputs, { overheadPercent: 10, memoryMiB: 2048, vcpus: 2, namespace: 'migrations' });
  const text = renderKubevirtYaml(objects, outputs, 'Web_01');
  const documents = parseAllDocuments(text).map((document) => document.toJS() as Record<string, any>);

  it('is valid multi-document YAML: one DataVolume per disk, then the VirtualMachine', () => {
    expect(documents.map((document) => `${document.kind}/${document.metadata.name}`)).toEqual([
      'DataVolume/web-01-disk1',
      'DataVolume/web-01-disk2',
      'VirtualMachine/web-01',
    ]);
    expect(documents.every((document) => document.metadata.namespace === 'migrations')).toBe(true);
  });

  it('sizes each volume to the disk plus overhead, in whole GiB', () => {
    expect(documents[0]!.spec.storage.resources.requests.storage).toBe('9Gi');
    expect(documents[1]!.spec.storage.resources.requests.storage).toBe('22Gi');
    expect(documents[0]!.spec.source).toEqual({ upload: {} });
  });

  it('matches the libvirt domain: CPUs, memory, UEFI secure boot, virtio disks in order, source MACs', () => {
    const spec = documents[2]!.spec.template.spec;
    expect(spec.domain.cpu).toEqual({ cores: 4 });
    expect(spec.domain.memory).toEqual({ guest: '4096Mi' });
    expect(spec.domain.firmware).toEqual({ bootloader: { efi: { secureBoot: true } } });
    expect(spec.domain.features.smm).toEqual({ enabled: true });
    expect(spec.domain.devices.disks).toEqual([
      { name: 'disk1', disk: { bus: 'virtio' }, bootOrder: 1 },
      { name: 'disk2', disk: { bus: 'virtio' } },
    ]);
    expect(spec.domain.devices.interfaces).toEqual([{ name: 'nic1', model: 'virtio', masquerade: {}, macAddress: '00:50:56:aa:bb:cc' }]);
    expect(spec.volumes).toEqual([
      { name: 'disk1', dataVolume: { name: 'web-01-disk1' } },
      { name: 'disk2', dataVolume: { name: 'web-01-disk2' } },
    ]);
  });

  it('carries the topology, the generation ID and mapped networks; one pod network at most', () => {
    const vm = {
      ...facts.vm!,
      topology: { sockets: 2, cores: 2, threads: 1 },
      genid: '09512cc5-940a-8987-b950-f54f631015e8',
      nics: [
        { mac: '00:50:56:00:00:01', network: 'VM Network' },
        { mac: '00:50:56:00:00:02', network: 'Backup' },
        { mac: '00:50:56:00:00:03', network: 'Storage LAN' },
      ],
    };
    const [, , machine] = kubevirtObjects(
      'x',
      { ...facts, vm },
      outputs,
      { overheadPercent: 0, memoryMiB: 2048, vcpus: 2 },
      { 'VM Network': { type: 'bridge', name: 'br-prod' } },
    ) as any[];
    expect(machine.metadata.annotations).toEqual({ 'hyper2kvm.io/vm-generation-id': '09512cc5-940a-8987-b950-f54f631015e8' });
    const spec = machine.spec.template.spec;
    expect(spec.domain.cpu).toEqual({ sockets: 2, cores: 2, threads: 1 });
    expect(spec.networks).toEqual([
      { name: 'nic1', multus: { networkName: 'br-prod' } },
      { name: 'nic2', pod: {} },
      { name: 'nic3', multus: { networkName: 'storage-lan' } },
    ]);
    expect(spec.domain.devices.interfaces.map((nic: any) => Object.keys(nic).filter((key) => key === 'bridge' || key === 'masquerade'))).toEqual([
      ['bridge'],
      ['masquerade'],
      ['bridge'],
    ]);
  });

  it('says how to upload the disks', () => {
    expect(text).toContain('virtctl image-upload dv web-01-disk1 --no-create --image-path=/srv/out/Web_01-disk1.qcow2');
  });

  it('makes names Kubernetes accepts', () => {
    expect(kubernetesName('Web_01 (prod)')).toBe('web-01-prod');
    expect(kubernetesName('___')).toBe('vm');
    expect(kubernetesName('a'.repeat(80))).toHaveLength(63);
  });

  it('uses BIOS when the guest has no UEFI', () => {
    const bios = kubevirtObjects('x', { ...facts, firmware: 'bios', vm: { ...facts.vm!, firmware: 'bios', secureBoot: false } }, outputs, {
      overheadPercent: 0,
      memoryMiB: 2048,
      vcpus: 2,
    });
    expect((bios[2] as any).spec.template.spec.domain.firmware).toEqual({ bootloader: { bios: {} } });
  });
});
