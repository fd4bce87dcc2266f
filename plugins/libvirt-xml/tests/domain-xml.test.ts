import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { emptyFacts, type GuestFacts } from '@hyper2kvm/core';
import { bootstrapSpec, escapeXml, guestDefaults, nicsOf, renderDomainXml, type DomainSpec } from '../src/domain-xml.js';

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
  nics: [{ mac: '00:50:56:aa:bb:cc', target: { type: 'network', name: 'default' } }, { target: { type: 'network', name: 'default' } }],
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
    const xml = renderDomainXml({
      ...base,
      diskBus: 'sata',
      nicModel: 'e1000',
      cdrom: '/usr/share/virtio-win/virtio-win.iso',
      clock: 'localtime',
      video: 'vga',
      machine: 'pc',
    });
    expect(await validate(xml)).toMatchObject({ ok: true });
    expect(xml).toContain("<model type='e1000'/>");
    expect(xml).toContain("device='cdrom'");
  });

  it('derives the bootstrap domain from the final one', async () => {
    const bootstrap = bootstrapSpec({ ...base, clock: 'localtime', video: 'vga' }, '/srv/virtio-win.iso');
    expect(bootstrap).toMatchObject({
      name: 'web01 <&>-bootstrap',
      diskBus: 'sata',
      nicModel: 'e1000',
      cdrom: '/srv/virtio-win.iso',
      nics: base.nics,
      disks: base.disks,
    });
    const xml = renderDomainXml(bootstrap);
    expect(await validate(xml)).toMatchObject({ ok: true });
    expect(xml).toContain("<target dev='sda' bus='sata'/>");
    expect(bootstrapSpec(base, undefined).cdrom).toBeUndefined();
  });

  it('validates with the source topology, generation ID and NICs on a bridge and a network', async () => {
    const xml = renderDomainXml({
      ...base,
      vcpus: 4,
      topology: { sockets: 2, cores: 2, threads: 1 },
      genid: '09512cc5-940a-8987-b950-f54f631015e8',
      nics: [
        { mac: '00:50:56:aa:bb:cc', target: { type: 'bridge', name: 'br0' } },
        { mac: '00:50:56:aa:bb:cd', target: { type: 'network', name: 'backup' } },
      ],
    });
    expect(await validate(xml)).toMatchObject({ ok: true });
    expect(xml).toContain("<topology sockets='2' dies='1' cores='2' threads='1'/>");
    expect(xml).toContain('<genid>09512cc5-940a-8987-b950-f54f631015e8</genid>');
    expect(xml).toMatch(/<interface type='bridge'>\s*<mac address='00:50:56:aa:bb:cc'\/>\s*<source bridge='br0'\/>/);
    expect(xml).toMatch(/<interface type='network'>\s*<mac address='00:50:56:aa:bb:cd'\/>\s*<source network='backup'\/>/);
  });

  it('maps each NIC by its source network, then "*", then the fallback', () => {
    const vm = {
      disks: [],
      origin: 'vmx' as const,
      nics: [{ mac: '00:50:56:00:00:01', network: 'VM Network' }, { mac: '00:50:56:00:00:02', network: 'Backup' }, { mac: '00:50:56:00:00:03' }],
    };
    const fallback = { type: 'network' as const, name: 'default' };
    expect(nicsOf(vm, { 'VM Network': { type: 'bridge', name: 'br0' } }, fallback).map((nic) => nic.target)).toEqual([
      { type: 'bridge', name: 'br0' },
      fallback,
      fallback,
    ]);
    expect(nicsOf(vm, { Backup: { type: 'network', name: 'backup' }, '*': { type: 'bridge', name: 'br1' } }, fallback).map((nic) => nic.target.name)).toEqual([
      'br1',
      'backup',
      'br1',
    ]);
    expect(nicsOf(undefined, {}, fallback)).toEqual([{ target: fallback }]);
  });

  it('a broken document is caught by the validator (the check can fail)', async () => {
    const result = await validate(renderDomainXml(base).replace("<type arch='x86_64'", "<type arch='x86_64' bogus='1'"));
    expect(result.ok).toBe(false);
  });

  it('chooses pc and localtime for old Windows, q35 and utc for Linux', () => {
    const windows7: GuestFacts = {
      ...emptyFacts(),
      os: { type: 'windows', arch: 'x86_64' },
      windows: {
        productName: 'Windows 7',
        ntVersion: '6.1',
        build: 7601,
        installationType: 'client',
        systemRoot: '/Windows',
        controlSets: ['ControlSet001'],
        currentControlSet: 'ControlSet001',
        hasDriverDatabase: false,
        hibernated: false,
        fastStartup: false,
        vmwareToolsInstalled: true,
      },
    };
    expect(guestDefaults(windows7)).toEqual({ machine: 'pc', clock: 'localtime', video: 'vga' });
    expect(guestDefaults({ ...emptyFacts(), os: { type: 'linux', arch: 'x86_64' } })).toEqual({ machine: 'q35', clock: 'utc', video: 'virtio' });
  });

  it('escapes everything that lands in attributes and text', () => {
    expect(escapeXml(`a'b"c<d>e&f`)).toBe('a&apos;b&quot;c&lt;d&gt;e&amp;f');
  });
});
