/**
 * migrate on the phony Windows Server 2022 image with the windows-virtio
 * plugin and the fake virtio-win ISO named by the config file's `virtioWin`
 * (no environment variable), through the real appliance and qemu-img; the
 * OUTPUT disk's SYSTEM and SOFTWARE hives are read back with hivexget.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate, type RunReport } from '../src/index.js';
import { ensureImage, sha256 } from './test-image.js';
import { readWindowsOutput, type WindowsOutput } from './windows-output.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
const LONG = 1_200_000;
const repoRoot = join(import.meta.dirname, '..', '..', '..');
const STAGING = '/Windows/Drivers/VirtIO';

let report: RunReport;
let vmdk: string;
let sourceHash: string;
let output: WindowsOutput;
let virtioWinIso: string;

beforeAll(async () => {
  const image = await ensureImage('windows-2022');
  const virtioWin = await ensureImage('virtio-win');
  vmdk = image.files.vmdk!;
  sourceHash = await sha256(vmdk);
  virtioWinIso = virtioWin.files.iso!;
  delete process.env['VIRTIO_WIN'];
  // The config names the ISO relative to itself: the setting reaches both plugins from there.
  const project = await mkdtemp(join(tmpdir(), 'h2k-migrate-windows-config-'));
  const configFile = join(project, 'hyper2kvm.config.json');
  await writeFile(
    configFile,
    JSON.stringify({ plugins: ['@hyper2kvm/plugin-windows-virtio', '@hyper2kvm/plugin-libvirt-xml'], virtioWin: relative(project, virtioWinIso) }),
  );
  const outputDir = await mkdtemp(join(tmpdir(), 'h2k-migrate-windows-'));
  report = await migrate({ sources: [vmdk], outputDir, cwd: repoRoot, configFile });
  const disk = report.outputs[0]!;
  output = await readWindowsOutput({
    disk: disk.path,
    format: disk.format,
    systemVolume: '/dev/sda3',
    files: ['/Windows/System32/drivers/viostor.sys'],
    listings: [STAGING],
  });
}, LONG);

describe('migrate windows-2022 with windows-virtio', () => {
  it('converts and leaves the source unchanged', async () => {
    expect(report.status).toBe('converted');
    expect(report.applianceLaunches).toBe(1);
    expect(await sha256(vmdk)).toBe(sourceHash);
  });

  it('makes viostor a boot-start driver in both control sets', async () => {
    for (const set of ['ControlSet001', 'ControlSet002']) {
      expect(await output.value('SYSTEM', `\\${set}\\Services\\viostor`, 'Start')).toBe('0');
      expect(await output.value('SYSTEM', `\\${set}\\Services\\viostor`, 'Type')).toBe('1');
      expect(await output.value('SYSTEM', `\\${set}\\Services\\viostor`, 'Group')).toBe('SCSI miniport');
      expect(await output.value('SYSTEM', `\\${set}\\Services\\viostor`, 'ImagePath')).toBe('system32\\drivers\\viostor.sys');
    }
  });

  it('binds both PCI IDs in the DriverDatabase and extends DevicePath', async () => {
    for (const id of ['VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00', 'VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01']) {
      expect(await output.value('SYSTEM', `\\DriverDatabase\\DeviceIds\\PCI\\${id}`, 'viostor.inf')).not.toBe('');
    }
    expect(await output.value('SYSTEM', '\\DriverDatabase\\DriverInfFiles\\viostor.inf', 'Active')).toMatch(/^viostor\.inf_amd64_[0-9a-f]{16}$/);
    expect(await output.value('SOFTWARE', '\\Microsoft\\Windows\\CurrentVersion', 'DevicePath')).toBe('%SystemRoot%\\inf;%SystemRoot%\\Drivers\\VirtIO');
  });

  it('puts the driver in System32\\drivers and stages the 2k22 packages', async () => {
    const virtioWin = await ensureImage('virtio-win');
    const tree = (virtioWin.files as { tree?: string }).tree!;
    expect(await output.read('/Windows/System32/drivers/viostor.sys')).toEqual(await readFile(join(tree, 'viostor/2k22/amd64/viostor.sys')));
    const staged = output.listing(STAGING);
    expect(staged).toEqual(expect.arrayContaining(['viostor/viostor.inf', 'viostor/viostor.sys', 'NetKVM/netkvm.inf', 'fwcfg/fwcfg.inf']));
    expect(staged.some((path) => /\.pdb$|sriov|qemufwcfg/i.test(path))).toBe(false);
  });
});

describe('migrate windows-2022: the emitted domains', () => {
  it('writes the final virtio domain and a bootstrap domain (SATA, e1000, virtio-win ISO), both valid', async () => {
    const names = report.emitted.map((file) => file.path.slice(file.path.lastIndexOf('/') + 1));
    expect(names).toEqual(expect.arrayContaining([`${report.name}.xml`, `${report.name}-bootstrap.xml`]));
    const final = await readFile(report.emitted.find((file) => file.path.endsWith(`${report.name}.xml`))!.path, 'utf8');
    const bootstrapPath = report.emitted.find((file) => file.path.endsWith('-bootstrap.xml'))!.path;
    const bootstrap = await readFile(bootstrapPath, 'utf8');
    expect(final).toContain("bus='virtio'");
    expect(bootstrap).toContain("<target dev='sda' bus='sata'/>");
    expect(bootstrap).toContain("<model type='e1000'/>");
    expect(bootstrap).toContain(`<source file='${virtioWinIso}'/>`);
    const validation = await execa('virt-xml-validate', [bootstrapPath, 'domain'], { reject: false, all: true });
    expect(validation.all).toContain('validates');
  });
});
