import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseVmx } from './vmx.js';

const VMX = readFileSync(new URL('../tests/fixtures/web01.vmx', import.meta.url), 'utf8');

describe('parseVmx', () => {
  it('reads name (with |XX escapes), CPUs, memory, firmware and secure boot', () => {
    expect(parseVmx(VMX, 'web01.vmx')).toMatchObject({
      name: 'web 01-café',
      vcpus: 2,
      memoryMiB: 4096,
      firmware: 'uefi',
      secureBoot: true,
    });
  });

  it('lists present disks with controllers and addresses, CD-ROMs apart, skipping absent devices', () => {
    const vmx = parseVmx(VMX, 'web01.vmx');
    expect(vmx.disks).toEqual([
      { device: 'scsi0:0', fileName: 'web01.vmdk', controller: 'scsi', address: { bus: 0, unit: 0 } },
      { device: 'sata0:1', fileName: 'web01_1.vmdk', controller: 'sata', address: { bus: 0, unit: 1 } },
      { device: 'nvme0:0', fileName: 'web01_2.vmdk', controller: 'nvme', address: { bus: 0, unit: 0 } },
    ]);
    expect(vmx.cdroms).toEqual([{ controller: 'sata', address: { bus: 0, unit: 2 }, image: '/isos/install.iso' }]);
  });

  it('reads the CPU topology, the vTPM and the generation ID (as virt-v2v maps it for QEMU)', () => {
    const vmx = parseVmx(VMX, 'web01.vmx');
    expect(vmx.topology).toEqual({ sockets: 2, cores: 1, threads: 1 });
    expect(vmx.vtpm).toBe(true);
    // The pair from the libvirt/QEMU thread on vmgenid mapping: the guest then reads 8987940a09512cc5:e81510634ff550b9.
    expect(vmx.genid).toBe('09512cc5-940a-8987-b950-f54f631015e8');
  });

  it('reads generated and static MACs per addressType', () => {
    expect(parseVmx(VMX, 'web01.vmx').nics).toEqual([
      { mac: '00:0c:29:12:34:56', model: 'vmxnet3', network: 'VM Network' },
      { mac: '00:50:56:00:00:07', model: 'e1000e' },
    ]);
  });

  it('defaults to one vCPU and BIOS, and refuses lines that are not pairs', () => {
    expect(parseVmx('displayName = "a"\n', 'a.vmx')).toMatchObject({ vcpus: 1, firmware: 'bios', secureBoot: false });
    expect(() => parseVmx('displayName = "a"\nthis is not vmx\n', 'a.vmx')).toThrow('a.vmx: VMX line 2 is not a key = "value" pair');
  });
});
