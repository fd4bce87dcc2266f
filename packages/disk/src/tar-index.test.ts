import { describe, expect, it } from 'vitest';
import { buildTar } from '../tests/helpers/tar-writer.js';
import { indexTar } from './tar-index.js';
import type { ByteSource } from './tar-index.js';

function source(buffer: Buffer): ByteSource {
  return { size: buffer.length, read: async (offset, length) => buffer.subarray(offset, offset + length) };
}

function memberData(archive: Buffer, member: { offset: number; size: number }): string {
  return archive.subarray(member.offset, member.offset + member.size).toString();
}

describe('indexTar', () => {
  it('lists regular members with data offsets and sizes, skipping directories', async () => {
    const archive = buildTar([
      { name: 'vm.ovf', data: Buffer.from('<Envelope/>') },
      { name: 'disks/', type: '5' },
      { name: 'disks/disk1.vmdk', data: Buffer.alloc(1500, 7) },
    ]);
    const members = await indexTar(source(archive), 'x.ova');
    expect(members.map((member) => [member.name, member.offset, member.size])).toEqual([
      ['vm.ovf', 512, 11],
      ['disks/disk1.vmdk', 2048, 1500],
    ]);
    expect(memberData(archive, members[0]!)).toBe('<Envelope/>');
  });

  it('reads GNU long names and pax path records', async () => {
    const gnuName = `${'g'.repeat(120)}.vmdk`;
    const paxName = `${'p'.repeat(150)}.vmdk`;
    const archive = buildTar([
      { name: gnuName, data: Buffer.from('gnu'), longName: 'gnu' },
      { name: paxName, data: Buffer.from('pax'), longName: 'pax' },
    ]);
    const members = await indexTar(source(archive), 'x.ova');
    expect(members.map((member) => member.name)).toEqual([gnuName, paxName]);
    expect(members.map((member) => memberData(archive, member))).toEqual(['gnu', 'pax']);
  });

  it.each(['../x', '/etc/passwd', 'a/../../x'])('refuses member %s', async (name) => {
    const archive = buildTar([{ name, data: Buffer.from('x') }]);
    await expect(indexTar(source(archive), 'x.ova')).rejects.toThrow(`x.ova: member "${name}" would leave the archive folder`);
  });

  it('refuses a file that is not a tar archive', async () => {
    await expect(indexTar(source(Buffer.alloc(1024, 0x41)), 'x.ova')).rejects.toThrow('x.ova: not a tar archive');
  });

  it('refuses a truncated archive', async () => {
    const archive = buildTar([{ name: 'big.vmdk', data: Buffer.alloc(4096, 1) }]);
    await expect(indexTar(source(archive.subarray(0, 2048)), 'x.ova')).rejects.toThrow('x.ova: archive is truncated');
  });
});
