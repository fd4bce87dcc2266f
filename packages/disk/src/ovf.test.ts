import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allocationUnitBytes, parseOvf } from './ovf.js';

const VMWARE_OVF = readFileSync(new URL('../tests/fixtures/vmware-efi.ovf', import.meta.url), 'utf8');

describe('parseOvf', () => {
  it('reads name, CPUs, memory, firmware and secure boot', () => {
    const ovf = parseOvf(VMWARE_OVF, 'web01.ovf');
    expect(ovf).toMatchObject({ name: 'web01', vcpus: 4, memoryMiB: 8192, firmware: 'uefi', secureBoot: true });
  });

  it('joins disks with their files, capacities and controllers', () => {
    const ovf = parseOvf(VMWARE_OVF, 'web01.ovf');
    expect(ovf.disks.map((disk) => [disk.diskId, disk.href, disk.capacityBytes, disk.controller])).toEqual([
      ['vmdisk1', 'web01-disk1.vmdk', 64 * 2 ** 20, 'scsi'],
      ['vmdisk2', 'web01-disk2.vmdk', 64 * 2 ** 20, 'sata'],
    ]);
  });

  it('reads NICs with lower-case MACs, models and networks', () => {
    expect(parseOvf(VMWARE_OVF, 'web01.ovf').nics).toEqual([
      { mac: '00:50:56:ab:cd:01', model: 'vmxnet3', network: 'VM Network' },
      { mac: '00:50:56:ab:cd:02', model: 'e1000', network: 'Backup' },
    ]);
  });

  it('maps IDE and NVMe controllers, memory in GiB, and BIOS firmware', () => {
    const xml = VMWARE_OVF.replace('<rasd:ResourceType>6</rasd:ResourceType>', '<rasd:ResourceType>5</rasd:ResourceType>')
      .replace('vmware.sata.ahci', 'vmware.nvme.controller')
      .replace('<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>', '<rasd:AllocationUnits>byte * 2^30</rasd:AllocationUnits>')
      .replace('<rasd:VirtualQuantity>8192</rasd:VirtualQuantity>', '<rasd:VirtualQuantity>2</rasd:VirtualQuantity>')
      .replace('vmw:value="efi"', 'vmw:value="bios"');
    const ovf = parseOvf(xml, 'vm.ovf');
    expect(ovf.disks.map((disk) => disk.controller)).toEqual(['ide', 'nvme']);
    expect(ovf.memoryMiB).toBe(2048);
    expect(ovf.firmware).toBe('bios');
  });

  it('refuses entity declarations without expanding them', () => {
    const xml = VMWARE_OVF.replace('<Envelope', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<Envelope').replace(
      '<Name>web01</Name>',
      '<Name>&e;</Name>',
    );
    expect(() => parseOvf(xml, 'evil.ovf')).toThrow('evil.ovf: OVF declares XML entities (<!ENTITY>), which are refused');
  });

  it('refuses disk files outside the folder, malformed XML and multi-VM envelopes', () => {
    expect(() => parseOvf(VMWARE_OVF.replace('web01-disk1.vmdk', '../../etc/shadow'), 'vm.ovf')).toThrow(
      'vm.ovf: member "../../etc/shadow" would leave the archive folder',
    );
    expect(() => parseOvf('<Envelope><VirtualSystem></Envelope>', 'vm.ovf')).toThrow('vm.ovf: OVF is not well-formed XML');
    expect(() => parseOvf('<Envelope><VirtualSystemCollection/></Envelope>', 'vm.ovf')).toThrow('collection of virtual machines');
  });

  it('understands DMTF programmatic units and shorthands', () => {
    expect(allocationUnitBytes('byte * 2^20', 'x')).toBe(2 ** 20);
    expect(allocationUnitBytes('byte*1024', 'x')).toBe(1024);
    expect(allocationUnitBytes('GigaBytes', 'x')).toBe(2 ** 30);
    expect(() => allocationUnitBytes('parsecs', 'x.ovf')).toThrow('x.ovf: OVF allocation unit "parsecs" is not understood');
  });
});
