import { describe, expect, it } from 'vitest';
import { buildTar } from '../tests/helpers/tar-writer.js';
import { classifyHead } from './source-kind.js';
import { packageName } from './export-package.js';

describe('classifyHead', () => {
  it('tells archives, compressions and descriptors apart by content', () => {
    expect(classifyHead(buildTar([{ name: 'vm.ovf', data: Buffer.from('<Envelope/>') }]).subarray(0, 4096))).toEqual({ kind: 'tar' });
    expect(classifyHead(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]))).toEqual({ kind: 'zip' });
    expect(classifyHead(Buffer.from([0x1f, 0x8b, 8, 0]))).toEqual({ kind: 'compressed', compression: 'gzip' });
    expect(classifyHead(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4]))).toEqual({ kind: 'compressed', compression: 'xz' });
    expect(classifyHead(Buffer.from('BZh91AY&SY'))).toEqual({ kind: 'compressed', compression: 'bzip2' });
    expect(classifyHead(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]))).toEqual({ kind: 'compressed', compression: 'zstd' });
    expect(classifyHead(Buffer.from('\uFEFF<?xml version="1.0"?>\n<ovf:Envelope xmlns:ovf="x">'))).toEqual({ kind: 'ovf' });
    expect(classifyHead(Buffer.from('.encoding = "UTF-8"\nconfig.version = "8"\n'))).toEqual({ kind: 'vmx' });
    expect(classifyHead(Buffer.from('# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\n'))).toEqual({ kind: 'image' });
    expect(classifyHead(Buffer.from('QFI\xfb\0\0\0\x03', 'latin1'))).toEqual({ kind: 'image' });
  });
});

describe('packageName', () => {
  it('resolves names against a package folder and refuses ones that leave it', () => {
    expect(packageName('vm', 'disk1.vmdk')).toBe('vm/disk1.vmdk');
    expect(packageName('', './disk1.vmdk')).toBe('disk1.vmdk');
    expect(packageName('vm', '..\\vm\\disk1.vmdk')).toBe('vm/disk1.vmdk');
    for (const bad of ['../x', '/etc/passwd', 'C:/x', 'a/../../x', '']) expect(packageName('', bad)).toBeUndefined();
  });
});
