import { describe, expect, it } from 'vitest';
import { CORE_VERSION, Engine, emptyFacts, silentLogger, type GuestFacts, type GuestFs } from '@hyper2kvm/core';
import libvirtXml from '../src/index.js';

/** Runs the plugin's emit tap with the run's virtio-win setting and returns the files it wrote. */
async function emitFor(facts: GuestFacts, virtioWin: string | undefined): Promise<Map<string, string>> {
  const engine = new Engine({
    plugins: [{ plugin: libvirtXml, options: libvirtXml.options!.parse({}) }],
    coreVersion: CORE_VERSION,
    settings: virtioWin === undefined ? {} : { virtioWin },
  });
  // emit needs no guest: inspect runs only to decide which plugins apply.
  await engine.inspect({} as GuestFs, facts);
  const files = new Map<string, string>();
  await engine.emit({
    name: 'app01',
    outputDir: '/srv/out',
    networkMap: {},
    facts,
    plan: { changes: [], actions: [], findings: [] },
    outputs: [{ index: 0, path: '/srv/out/app01-disk1.qcow2', format: 'qcow2', bytes: 1, virtualSize: 1, sha256: 'x' }],
    emitted: [],
    logger: silentLogger(),
    writeOutput: async (fileName, content) => {
      files.set(fileName, content.toString());
      return fileName;
    },
  });
  return files;
}

describe('libvirt-xml emit', () => {
  it('writes a bootstrap domain for Windows, with the virtio-win ISO', async () => {
    const files = await emitFor({ ...emptyFacts(), os: { type: 'windows', arch: 'x86_64' }, firmware: 'uefi' }, '/isos/virtio-win-0.1.262.iso');
    expect([...files.keys()]).toEqual(['app01.xml', 'app01-bootstrap.xml']);
    expect(files.get('app01.xml')).toContain("<target dev='vda' bus='virtio'/>");
    const bootstrap = files.get('app01-bootstrap.xml')!;
    expect(bootstrap).toContain('<name>app01-bootstrap</name>');
    expect(bootstrap).toContain("<target dev='sda' bus='sata'/>");
    expect(bootstrap).toContain("<model type='e1000'/>");
    expect(bootstrap).toContain("<source file='/isos/virtio-win-0.1.262.iso'/>");
  });

  it('writes only the final domain for Linux', async () => {
    const files = await emitFor({ ...emptyFacts(), os: { type: 'linux', arch: 'x86_64' }, firmware: 'bios' }, undefined);
    expect([...files.keys()]).toEqual(['app01.xml']);
  });
});
