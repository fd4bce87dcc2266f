/**
 * migrate on the phony Windows 7 SP1 x64 image (BIOS, one NTFS partition,
 * CriticalDeviceDatabase, no DriverDatabase) with windows-virtio,
 * windows-guard and windows-firstboot and the fake virtio-win ISO, through
 * the real appliance and qemu-img. The OUTPUT disk is read back with one
 * guestfish call; hives with hivexget.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate, type RunReport } from '../src/index.js';
import { ensureImage, sha256 } from './test-image.js';
import { expectedStaging, type ExpectedDriverFile } from './virtio-win-tree.js';
import { batchFileProblems, readWindowsOutput, regDword, regExpandSz, regSz, unmatchedRegistrySets, type WindowsOutput } from './windows-output.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
const LONG = 1_200_000;
const repoRoot = join(import.meta.dirname, '..', '..', '..');

const STAGING = '/Windows/Drivers/VirtIO';
const FIRSTBOOT = '/Program Files/hyper2kvm/firstboot.cmd';
const GUEST_AGENT = '/Program Files/hyper2kvm/qemu-ga.msi';
const CONTROL_SETS = ['ControlSet001', 'ControlSet002'];
const VIOSTOR_IDS = ['VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00', 'VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01'];
const SCSI_ADAPTER_CLASS = '{4D36E97B-E325-11CE-BFC1-08002BE10318}';

let report: RunReport;
let vmdk: string;
let sourceHash: string;
let tree: string;
let staging: ExpectedDriverFile[];
let output: WindowsOutput;

beforeAll(async () => {
  const image = await ensureImage('windows-7');
  const virtioWin = await ensureImage('virtio-win');
  vmdk = image.files.vmdk!;
  tree = virtioWin.files.tree!;
  sourceHash = await sha256(vmdk);
  staging = await expectedStaging(tree, 'w7', 'amd64');
  process.env['VIRTIO_WIN'] = virtioWin.files.iso!;
  const outputDir = await mkdtemp(join(tmpdir(), 'h2k-migrate-windows-7-'));
  report = await migrate({
    sources: [vmdk],
    outputDir,
    cwd: repoRoot,
    plugins: ['@hyper2kvm/plugin-windows-virtio', '@hyper2kvm/plugin-windows-guard', '@hyper2kvm/plugin-windows-firstboot', '@hyper2kvm/plugin-libvirt-xml'],
  });
  const disk = report.outputs[0]!;
  output = await readWindowsOutput({
    disk: disk.path,
    format: disk.format,
    systemVolume: '/dev/sda1',
    files: ['/Windows/System32/drivers/viostor.sys', FIRSTBOOT, GUEST_AGENT, ...staging.map((file) => `${STAGING}/${file.staged}`)],
    listings: [STAGING],
  });
}, LONG);

describe('migrate windows-7: virtio storage through CriticalDeviceDatabase', () => {
  it('converts with one appliance launch and leaves the source unchanged', async () => {
    expect(report.status).toBe('converted');
    expect(report.applianceLaunches).toBe(1);
    expect(report.facts?.windows).toMatchObject({ ntVersion: '6.1', installationType: 'client', hasDriverDatabase: false });
    expect(await sha256(vmdk)).toBe(sourceHash);
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

  it('binds both viostor PCI IDs in the CriticalDeviceDatabase of every control set, and adds no DriverDatabase', async () => {
    for (const set of CONTROL_SETS) {
      for (const id of VIOSTOR_IDS) {
        expect(await output.values('SYSTEM', `\\${set}\\Control\\CriticalDeviceDatabase\\PCI#${id}`), `${set} ${id}`).toEqual({
          Service: regSz('viostor'),
          ClassGUID: regSz(SCSI_ADAPTER_CLASS),
        });
      }
      // The VMware bindings the guest had are still there.
      expect(await output.values('SYSTEM', `\\${set}\\Control\\CriticalDeviceDatabase\\pci#ven_15ad&dev_07c0`)).toMatchObject({ Service: regSz('pvscsi') });
    }
    expect(await output.values('SYSTEM', '\\DriverDatabase')).toBeNull();
  });

  it('appends the staging folder to DevicePath (REG_EXPAND_SZ)', async () => {
    expect((await output.values('SOFTWARE', '\\Microsoft\\Windows\\CurrentVersion'))?.['DevicePath']).toEqual(
      regExpandSz('%SystemRoot%\\inf;%SystemRoot%\\Drivers\\VirtIO'),
    );
  });

  it('copies viostor.sys from w7/amd64 into System32\\drivers', async () => {
    expect(await output.read('/Windows/System32/drivers/viostor.sys')).toEqual(await readFile(join(tree, 'viostor/w7/amd64/viostor.sys')));
  });

  it('stages exactly the w7/amd64 packages, byte for byte (no .pdb, no sriov, qemufwcfg since w7 has no fwcfg)', async () => {
    expect(staging.map((file) => file.staged)).toEqual(
      expect.arrayContaining(['viostor/viostor.inf', 'viostor/viostor.sys', 'NetKVM/netkvm.inf', 'qemufwcfg/qemufwcfg.inf']),
    );
    const stagedFiles = output
      .listing(STAGING)
      .filter((path) => /\.[a-z]+$/i.test(path))
      .sort((a, b) => a.localeCompare(b));
    expect(stagedFiles).toEqual(staging.map((file) => file.staged));
    for (const file of staging) expect(await output.read(`${STAGING}/${file.staged}`), file.staged).toEqual(await readFile(file.host));
  });

  it('sets AutoReboot = 0 in every control set (windows-guard)', async () => {
    for (const set of CONTROL_SETS) expect((await output.values('SYSTEM', `\\${set}\\Control\\CrashControl`))?.['AutoReboot'], set).toEqual(regDword(0));
  });

  it('reads back every registry value the plan set', async () => {
    const sets = report.plan!.changes.filter((change) => change['kind'] === 'registry.set');
    expect(sets.length).toBeGreaterThanOrEqual(CONTROL_SETS.length * (5 + 2 * VIOSTOR_IDS.length));
    expect(await unmatchedRegistrySets(output, report.plan!.changes)).toEqual([]);
  });
});

describe('migrate windows-7: first boot (windows-firstboot)', () => {
  it('writes an ASCII, CRLF first-boot script with the legacy pnputil syntax, the VMware Tools removal and the static IP', async () => {
    const script = await output.read(FIRSTBOOT);
    expect(batchFileProblems(script)).toEqual([]);
    const text = script.toString('latin1');
    expect(text).toContain('pnputil -i -a');
    expect(text).not.toContain('/add-driver');
    expect(text).toContain('MsiExec.exe /X{2C1A5B6D-8E3F-4A7C-9D0B-1E2F3A4B5C6D} /qn /norestart');
    expect(text).toContain('static 192.168.10.57 255.255.255.0 192.168.10.1 1');
    expect(text).toContain('static 192.168.10.2 primary');
    expect(text).toContain('msiexec /i "C:\\Program Files\\hyper2kvm\\qemu-ga.msi" /qn /norestart');
  });

  it('takes the 64-bit QEMU guest agent out of the virtio-win ISO', async () => {
    expect(await output.read(GUEST_AGENT)).toEqual(await readFile(join(tree, 'guest-agent/qemu-ga-x86_64.msi')));
  });

  it('runs it once before logon through SYSTEM\\Setup', async () => {
    expect(await output.values('SYSTEM', '\\Setup')).toMatchObject({
      CmdLine: regSz('cmd.exe /c "C:\\Program Files\\hyper2kvm\\firstboot.cmd"'),
      SetupType: regDword(2),
    });
  });
});
