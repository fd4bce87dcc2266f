import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { emptyFacts, type GuestFacts } from '@hyper2kvm/core';
import { bootstrapSpec, escapeXml, guestDefaults, renderDomainXml, type DomainSpec } from '../src/domain-xml.js';

/** Validates with libvirt's own schema (Debian libvirt-clients + libvirt0 + libxml2-utils). */
async function validate(xml: string): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'h2k-xml-'));
  const file = join(dir, 'domain.xml');
  await writeFile(file, xml);
  const result = await execa('virt-xml-validate', [file, 'domain'], { reject: false, all: true });
  return { ok: result.exitCode === 0, output: result.all ?? '' };
}

const base: DomainSpec = {
  name: 'web01 <&>',
  memoryMiB: 2048,
  vcpus: 2,
  firmware: 'bios',
  secureBoot: false,
  machine: 'q35',
  diskBus: 'virtio',
  nicModel: 'virtio',
  nics: ['00:50:56:aa:bb:cc', undefined],
  network: 'default',
  disks: [
    { path: '/srv/vms/web01-disk1.qcow2', format: 'qcow2' },
    { path: '/srv/vms/web01-disk2.qcow2', format: 'qcow2' },
  ],
  clock: 'utc',
  video: 'virtio',
};

describe('libvirt domain XML', () => {
  it('validates against the libvirt schema for BIOS + virtio-blk', async () => {
    const xml = renderDomainXml(base);
    expect(await validate(xml)).toMatchObject({ ok: true });
    expect(xml).toContain("<target dev='vda' bus='virtio'/>");
    expect(xml).toContain("<target dev='vdb' bus='virtio'/>");
    expect(xml).toContain("<mac address='00:50:56:aa:bb:cc'/>");
    expect(xml).toContain('<name>web01 &lt;&amp;&gt;</name>');
  });

  it('validates for UEFI with secure boot and virtio-scsi with its controller', async () => {
    const xml = renderDomainXml({ ...base, firmware: 'uefi', secureBoot: true, diskBus: 'scsi' });
    expect(await validate(xml)).toMatchObject({ ok: true });
    expect(xml).toContain("<os firmware='efi'>");
    expect(xml).toContain("<feature enabled='yes' name='secure-boot'/>");
    expect(xml).toContain("<controller type='scsi' index='0' model='virtio-scsi'/>");
    expect(xml).toContain("<target dev='sda' bus='scsi'/>");
  });

  it('validates a Windows bootstrap shape: SATA, e1000, virtio-win CD-ROM', async () => {
    const xml = renderDomainXml({ ...base, diskBus: 'sata', nicModel: 'e1000', cdrom: '/usr/share/virtio-win/virtio-win.iso', clock: 'localtime', video: 'vga', machine: 'pc' });
    expect(await validate(xml)).toMatchObject({ ok: true });
    expect(xml).toContain("<model type='e1000'/>");
    expect(xml).toContain("device='cdrom'");
  });

  it('derives the bootstrap domain from the final one', async () => {
    const bootstrap = bootstrapSpec({ ...base, clock: 'localtime', video: 'vga' }, '/srv/virtio-win.iso');
    expect(bootstrap).toMatchObject({ name: 'web01 <&>-bootstrap', diskBus: 'sata', nicModel: 'e1000', cdrom: '/srv/virtio-win.iso', nics: base.nics, disks: base.disks });
    const xml = renderDomainXml(bootstrap);
    expect(await validate(xml)).toMatchObject({ ok: true });
    expect(xml).toContain("<target dev='sda' bus='sata'/>");
    expect(bootstrapSpec(base, undefined).cdrom).toBeUndefined();
  });

  it('a broken document is caught by the validator (the check can fail)', async () => {
    const result = await validate(renderDomainXml(base).replace("<type arch='x86_64'", "<type arch='x86_64' bogus='1'"));
    expect(result.ok).toBe(false);
  });

  it('chooses pc and localtime for old Windows, q35 and utc for Linux', () => {
    const windows7: GuestFacts = { ...emptyFacts(), os: { type: 'windows', arch: 'x86_64' }, windows: { productName: 'Windows 7', ntVersion: '6.1', build: 7601, installationType: 'client', systemRoot: '/Windows', controlSets: ['ControlSet001'], currentControlSet: 'ControlSet001', hasDriverDatabase: false, hibernated: false, fastStartup: false, vmwareToolsInstalled: true } };
    expect(guestDefaults(windows7)).toEqual({ machine: 'pc', clock: 'localtime', video: 'vga' });
    expect(guestDefaults({ ...emptyFacts(), os: { type: 'linux', arch: 'x86_64' } })).toEqual({ machine: 'q35', clock: 'utc', video: 'virtio' });
  });

  it('escapes everything that lands in attributes and text', () => {
    expect(escapeXml(`a'b"c<d>e&f`)).toBe('a&apos;b&quot;c&lt;d&gt;e&amp;f');
  });
});
