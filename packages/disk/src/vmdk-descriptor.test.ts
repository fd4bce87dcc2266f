import { describe, expect, it } from 'vitest';
import { looksLikeVmdkDescriptor, parseVmdkDescriptor, resolveVmdkDescriptorPaths } from './vmdk-descriptor.js';

const FLAT = `# Disk DescriptorFile
version=1
encoding="UTF-8"
CID=13506f99
parentCID=ffffffff
createType="monolithicFlat"

# Extent description
RW 131072 FLAT "disk-flat.vmdk" 0

# The Disk Data Base
#DDB
ddb.virtualHWVersion = "4"
ddb.geometry.cylinders = "130"
ddb.geometry.heads = "16"
ddb.geometry.sectors = "63"
ddb.adapterType = "lsilogic"
`;

describe('parseVmdkDescriptor', () => {
  it('reads create type, extents, geometry and adapter', () => {
    const descriptor = parseVmdkDescriptor(FLAT, 'disk.vmdk');
    expect(descriptor.createType).toBe('monolithicFlat');
    expect(descriptor.cid).toBe('13506f99');
    expect(descriptor.extents).toEqual([{ access: 'RW', sectors: 131072, type: 'FLAT', fileName: 'disk-flat.vmdk', offset: 0 }]);
    expect(descriptor.geometry).toEqual({ cylinders: 130, heads: 16, sectors: 63 });
    expect(descriptor.adapterType).toBe('lsilogic');
    expect(looksLikeVmdkDescriptor(Buffer.from(FLAT))).toBe(true);
  });

  it('reads split sparse extents, zero extents and a snapshot parent', () => {
    const text = `createType="twoGbMaxExtentSparse"
parentFileNameHint="base.vmdk"
RW 4192256 SPARSE "disk-s001.vmdk"
RW 100 SPARSE "disk-s002.vmdk"
RDONLY 64 ZERO
`;
    const descriptor = parseVmdkDescriptor(text, 'disk.vmdk');
    expect(descriptor.parentFileNameHint).toBe('base.vmdk');
    expect(descriptor.extents.map((extent) => [extent.type, extent.fileName, extent.sectors])).toEqual([
      ['SPARSE', 'disk-s001.vmdk', 4192256],
      ['SPARSE', 'disk-s002.vmdk', 100],
      ['ZERO', undefined, 64],
    ]);
    const resolved = resolveVmdkDescriptorPaths(descriptor, '/vm', 'disk.vmdk');
    expect(resolved.extents[0]?.path).toBe('/vm/disk-s001.vmdk');
  });

  it('refuses extents outside the folder', () => {
    const escaping = parseVmdkDescriptor(FLAT.replace('"disk-flat.vmdk"', '"../other/disk-flat.vmdk"'), 'disk.vmdk');
    expect(() => resolveVmdkDescriptorPaths(escaping, '/vm', 'disk.vmdk')).toThrow(
      'disk.vmdk: extent "../other/disk-flat.vmdk" would leave the descriptor\'s folder',
    );
    const absolute = parseVmdkDescriptor(FLAT.replace('"disk-flat.vmdk"', '"/vm/disk-flat.vmdk"'), 'disk.vmdk');
    expect(() => resolveVmdkDescriptorPaths(absolute, '/vm', 'disk.vmdk')).toThrow("would leave the descriptor's folder");
  });

  it('refuses lines it does not understand and descriptors without extents', () => {
    expect(() => parseVmdkDescriptor('createType="monolithicFlat"\nRW lots FLAT "x"\n', 'd.vmdk')).toThrow('d.vmdk: VMDK descriptor line 2 is not understood');
    expect(() => parseVmdkDescriptor('createType="monolithicFlat"\n', 'd.vmdk')).toThrow('d.vmdk: VMDK descriptor lists no extents');
    expect(looksLikeVmdkDescriptor(Buffer.from([0x4b, 0x44, 0x4d, 0x56, 0, 0]))).toBe(false);
  });
});
