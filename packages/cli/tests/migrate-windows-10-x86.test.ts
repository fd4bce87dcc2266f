/**
 * migrate on the phony 32-bit Windows 10 image (BIOS, System Reserved + C:,
 * DriverDatabase) with windows-virtio and windows-firstboot, VIRTIO_WIN
 * pointing at the fake virtio-win FOLDER, through the real appliance and
 * qemu-img. Everything must come from the x86 directories. The OUTPUT disk
 * is read back with one guestfish call; hives with hivexget.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate, type RunReport } from '../src/index.js';
import { ensureImage, sha256 } from './test-image.js';
import { expectedStaging, type ExpectedDriverFile } from './virtio-win-tree.js';
import {
  batchFileProblems,
  readWindowsOutput,
  regBinary,
  regDword,
  regExpandSz,
  regMultiSz,
  regSz,
  unmatchedRegistrySets,
  type WindowsOutput,
} from './windows-output.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
const LONG = 1_200_000;
const repoRoot = join(import.meta.dirname, '..', '..', '..');

const STAGING = '/Windows/Drivers/VirtIO';
const FOLDER = '/Program Files/hyper2kvm';
const VIOSTOR_SYS = '/Windows/System32/drivers/viostor.sys';
const CONTROL_SETS = ['ControlSet001', 'ControlSet002'];
const VIOSTOR_IDS = ['VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00', 'VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01'];
/** SCSIAdapter class GUID {4D36E97B-E325-11CE-BFC1-08002BE10318} in Windows binary order. */
const SCSI_ADAPTER_CLASS_BYTES = [0x7b, 0xe9, 0x36, 0x4d, 0x25, 0xe3, 0xce, 0x11, 0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18];
const IMAGE_FILE_MACHINE_I386 = 0x014c;

let report: RunReport;
let vmdk: string;
let sourceHash: string;
let tree: string;
let staging: ExpectedDriverFile[];
let output: WindowsOutput;

beforeAll(async () => {
  const image = await ensureImage('windows-10-x86');
  const virtioWin = await ensureImage('virtio-win');
  vmdk = image.files.vmdk!;
  tree = virtioWin.files.tree!;
  sourceHash = await sha256(vmdk);
  staging = await expectedStaging(tree, 'w10', 'x86');
  // A folder, not the ISO: windows-firstboot then also finds the guest agent MSIs.
  process.env['VIRTIO_WIN'] = tree;
  const outputDir = await mkdtemp(join(tmpdir(), 'h2k-migrate-windows-10-x86-'));
  report = await migrate({
    sources: [vmdk],
    outputDir,
    cwd: repoRoot,
    plugins: ['@hyper2kvm/plugin-windows-virtio', '@hyper2kvm/plugin-windows-firstboot', '@hyper2kvm/plugin-libvirt-xml'],
  });
  const disk = report.outputs[0]!;
  output = await readWindowsOutput({
    disk: disk.path,
    format: disk.format,
    systemVolume: '/dev/sda2',
    files: [VIOSTOR_SYS, `${FOLDER}/firstboot.cmd`, `${FOLDER}/qemu-ga.msi`, ...staging.map((file) => `${STAGING}/${file.staged}`)],
    listings: [STAGING],
  });
}, LONG);

/** The INF install section of a PCI ID (`%desc% = section, PCI\ID`), read from the staged INF. */
function installSection(inf: string, id: string): string {
  const line = inf.split('\r\n').find((text) => text.toUpperCase().endsWith(`, PCI\\${id}`));
  if (!line) throw new Error(`viostor.inf has no model line for ${id}`);
  return /=\s*([^,\s]+)\s*,/.exec(line)![1]!;
}

describe('migrate windows-10-x86: a 32-bit guest gets x86 drivers', () => {
  it('inspects as i386, converts with one appliance launch and leaves the source unchanged', async () => {
    expect(report.status).toBe('converted');
    expect(report.facts?.os.arch).toBe('i386');
    expect(report.facts?.windows).toMatchObject({ ntVersion: '10.0', build: 19045, installationType: 'client', hasDriverDatabase: true, hibernated: false });
    expect(report.applianceLaunches).toBe(1);
    expect(await sha256(vmdk)).toBe(sourceHash);
  });

  it('copies the 32-bit viostor.sys from w10/x86 into System32\\drivers', async () => {
    const driver = await output.read(VIOSTOR_SYS);
    expect(driver).toEqual(await readFile(join(tree, 'viostor/w10/x86/viostor.sys')));
    expect(driver.readUInt16LE(driver.readUInt32LE(0x3c) + 4)).toBe(IMAGE_FILE_MACHINE_I386);
  });

  it('stages exactly the w10/x86 packages, byte for byte (fwcfg instead of qemufwcfg, no .pdb, no sriov)', async () => {
    expect(staging.map((file) => file.staged)).toEqual(expect.arrayContaining(['viostor/viostor.inf', 'NetKVM/netkvm.sys', 'fwcfg/fwcfg.inf']));
    const stagedFiles = output
      .listing(STAGING)
      .filter((path) => /\.[a-z]+$/i.test(path))
      .sort((a, b) => a.localeCompare(b));
    expect(stagedFiles).toEqual(staging.map((file) => file.staged));
    for (const file of staging) expect(await output.read(`${STAGING}/${file.staged}`), file.staged).toEqual(await readFile(file.host));
  });

  it('makes viostor a boot-start driver in every control set', async () => {
    for (const set of CONTROL_SETS) {
      expect(await output.values('SYSTEM', `\\${set}\\Services\\viostor`), set).toMatchObject({
        Type: regDword(1),
        Start: regDword(0),
        ErrorControl: regDword(1),
        Group: regSz('SCSI miniport'),
        ImagePath: regExpandSz('system32\\drivers\\viostor.sys'),
      });
    }
  });

  it('binds both PCI IDs in the DriverDatabase under an x86 driver store name', async () => {
    const infFile = await output.values('SYSTEM', '\\DriverDatabase\\DriverInfFiles\\viostor.inf');
    const store = infFile?.['Active']?.data;
    expect(store).toMatch(/^viostor\.inf_x86_[0-9a-f]{16}$/);
    const configuration = installSection((await output.read(`${STAGING}/viostor/viostor.inf`)).toString('latin1'), VIOSTOR_IDS[0]!);
    expect(infFile).toEqual({ '@': regMultiSz(store as string), Active: regSz(store as string), Configurations: regMultiSz(configuration) });

    const packageKey = `\\DriverDatabase\\DriverPackages\\${store as string}`;
    expect(await output.values('SYSTEM', packageKey)).toMatchObject({
      Version: regBinary([0x00, 0xff, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, ...SCSI_ADAPTER_CLASS_BYTES, ...new Array<number>(24).fill(0)]),
    });
    expect(await output.values('SYSTEM', `${packageKey}\\Configurations\\${configuration}`)).toEqual({ ConfigFlags: regDword(0), Service: regSz('viostor') });
    for (const id of VIOSTOR_IDS) {
      expect(await output.values('SYSTEM', `\\DriverDatabase\\DeviceIds\\PCI\\${id}`), id).toEqual({ 'viostor.inf': regBinary([0x01, 0xff, 0x00, 0x00]) });
      expect(await output.values('SYSTEM', `${packageKey}\\Descriptors\\PCI\\${id}`), id).toEqual({ Configuration: regSz(configuration) });
    }
    // What the guest had is untouched.
    expect(await output.values('SYSTEM', '\\DriverDatabase')).toMatchObject({ Architecture: regSz('x86') });
    expect((await output.values('SYSTEM', '\\DriverDatabase\\DriverInfFiles\\pvscsii.inf'))?.['Active']).toEqual(regSz('pvscsii.inf_x86_7b6a2e8c1f0d4a3b'));
  });

  it('appends the staging folder to DevicePath (REG_EXPAND_SZ)', async () => {
    expect((await output.values('SOFTWARE', '\\Microsoft\\Windows\\CurrentVersion'))?.['DevicePath']).toEqual(
      regExpandSz('%SystemRoot%\\inf;%SystemRoot%\\Drivers\\VirtIO'),
    );
  });

  it('reads back every registry value the plan set', async () => {
    const sets = report.plan!.changes.filter((change) => change['kind'] === 'registry.set');
    expect(sets.length).toBeGreaterThanOrEqual(CONTROL_SETS.length * 5 + 3 + 3 + 2 * VIOSTOR_IDS.length);
    expect(await unmatchedRegistrySets(output, report.plan!.changes)).toEqual([]);
  });
});

describe('migrate windows-10-x86: first boot (windows-firstboot)', () => {
  it('uploads the 32-bit QEMU guest agent', async () => {
    expect(await output.read(`${FOLDER}/qemu-ga.msi`)).toEqual(await readFile(join(tree, 'guest-agent/qemu-ga-i386.msi')));
  });

  it('writes an ASCII, CRLF first-boot script with the modern pnputil syntax and the guest agent install', async () => {
    const script = await output.read(`${FOLDER}/firstboot.cmd`);
    expect(batchFileProblems(script)).toEqual([]);
    const text = script.toString('latin1');
    expect(text).toContain('pnputil /add-driver "C:\\Windows\\Drivers\\VirtIO\\*.inf" /subdirs /install');
    expect(text).toContain('msiexec /i "C:\\Program Files\\hyper2kvm\\qemu-ga.msi" /qn /norestart');
    expect(text).toContain('MsiExec.exe /X{4E6A8C2B-1D3F-4B5A-9E7C-6D8F0A2B4C6E} /qn /norestart');
    expect(text).toContain('static 192.168.40.23 255.255.255.0 192.168.40.1 1');
  });

  it('runs it once before logon through SYSTEM\\Setup', async () => {
    expect(await output.values('SYSTEM', '\\Setup')).toMatchObject({
      CmdLine: regSz('cmd.exe /c "C:\\Program Files\\hyper2kvm\\firstboot.cmd"'),
      SetupType: regDword(2),
    });
  });
});
