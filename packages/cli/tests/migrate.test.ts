/**
 * End to end on the phony VMware-style Ubuntu 22.04 OVA, through the real
 * libguestfs appliance and qemu-img: what lands in the output folder, and
 * that the source is never written, whether the run succeeds, fails or is killed.
 */
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/index.js';
import { ensureImage, sha256 } from './test-image.js';
import { type CliResult, runCli } from './run-cli.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';
const repoRoot = join(import.meta.dirname, '..', '..', '..');
const LONG = 600_000;
/** Phony guests cannot run their own initramfs and grub tools: see the fixture. */
const PHONY_CONFIG = join(import.meta.dirname, 'fixtures', 'phony-guest.config.json');

const run = (argv: string[], cwd = repoRoot): Promise<CliResult> => runCli(argv, cwd);

let ova: string;
let sourceHash: string;

beforeAll(async () => {
  ova = (await ensureImage('ubuntu-2204')).files.ova!;
  sourceHash = await sha256(ova);
}, LONG);

describe('migrate ubuntu-2204.ova', () => {
  let outputDir: string;
  let result: { code: number; stdout: string; stderr: string };
  let report: RunReport;

  beforeAll(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'h2k-migrate-'));
    result = await run(['migrate', ova, '--output', outputDir, '--json', '--checksum', '--config', PHONY_CONFIG]);
    report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as RunReport;
  }, LONG);

  it('converts with one appliance launch and writes the output folder contract', async () => {
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    expect(report.status).toBe('converted');
    expect(report.applianceLaunches).toBe(1);
    const name = report.name;
    expect(name).toBe(report.facts?.vm?.name);
    expect((await readdir(outputDir)).sort()).toEqual(
      ['backup', 'hyper2kvm.log', 'report.json', 'report.md', `${name}-disk1.qcow2`, `${name}.xml`, `${name}-kubevirt.yaml`].sort(),
    );
    expect(await readFile(join(outputDir, 'backup/files/etc/fstab'), 'utf8')).toContain('/dev/sda1');
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'converted', name });
  });

  it('emits a libvirt domain that validates and carries the OVF name, size and MAC', async () => {
    const xmlPath = join(outputDir, `${report.name}.xml`);
    const validation = await execa('virt-xml-validate', [xmlPath, 'domain'], { reject: false, all: true });
    expect(validation.all).toContain('validates');
    const xml = await readFile(xmlPath, 'utf8');
    expect(xml).toContain(`<source file='${join(outputDir, `${report.name}-disk1.qcow2`)}'/>`);
    expect(xml).toContain("<target dev='vda' bus='virtio'/>");
    const vm = report.facts?.vm;
    expect(vm?.nics[0]?.mac).toMatch(/^00:50:56:/);
    expect(xml).toContain(`<mac address='${vm?.nics[0]?.mac}'/>`);
    expect(xml).toContain(`<memory unit='MiB'>${vm?.memoryMiB}</memory>`);
    expect(xml).toContain(`<vcpu placement='static'>${vm?.vcpus}</vcpu>`);
  });

  it('reports the output disk exactly as it is on disk', async () => {
    const [output] = report.outputs;
    expect(output).toBeDefined();
    expect(output!.sha256).toBe(await sha256(output!.path));
    const info = JSON.parse((await execa('qemu-img', ['info', '--output=json', output!.path])).stdout) as {
      format: string;
      'virtual-size': number;
      'format-specific': { data: { compat: string } };
    };
    expect(info.format).toBe('qcow2');
    expect(info['format-specific'].data.compat).toBe('1.1');
    expect(info['virtual-size']).toBe(report.source.disks[0]!.virtualSize);
  });

  it(
    'has the repair inside the output disk: fstab by UUID',
    async () => {
      const fstab = await execa('guestfish', ['--ro', '--format=qcow2', '-a', report.outputs[0]!.path, '-m', '/dev/sda1', 'cat', '/etc/fstab'], {
        // A read-back with the stock tool: force TCG, since KVM guests hang on the CI machines.
        env: { LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' },
      });
      expect(fstab.stdout).toMatch(/^UUID=[0-9a-f-]{36}\s+\/\s+ext4/m);
      expect(fstab.stdout).not.toMatch(/^\/dev\/sda1/m);
    },
    LONG,
  );

  it('inspects the guest: distro, version, kernels, network files and what they configure, VMware tools', () => {
    expect(report.facts?.os).toMatchObject({ type: 'linux', hostname: 'ubuntu-web01' });
    expect(report.facts?.linux).toMatchObject({
      distro: 'ubuntu',
      family: 'debian',
      version: { major: 22, minor: 4 },
      bootloader: 'grub2',
      initramfsTool: 'initramfs-tools',
      hypervisorTools: ['vmware'],
    });
    expect(report.facts?.linux?.network.netplan).toEqual(['/etc/netplan/00-installer-config.yaml']);
    const ens192 = { name: 'ens192', mac: '00:50:56:aa:bb:cc', addresses: ['192.168.10.20/24'], gateways: ['192.168.10.1'], dns: ['192.168.10.1', '1.1.1.1'] };
    expect(report.facts?.linux?.networkConfigs).toEqual([
      { path: '/etc/netplan/00-installer-config.yaml', flavour: 'netplan', interfaces: [expect.objectContaining({ ...ens192, dhcp4: false })] },
    ]);
    // The domain keeps the OVF's MAC, so the pin stays and lands on the first KVM NIC.
    expect(report.plan?.network).toEqual([
      { path: '/etc/netplan/00-installer-config.yaml', flavour: 'netplan', interfaces: [expect.objectContaining({ ...ens192, kvmNic: 0 })] },
    ]);
    expect(report.facts?.linux?.kernels[0]).toMatchObject({ version: '5.15.0-91-generic', initramfs: '/boot/initrd.img-5.15.0-91-generic' });
  });

  it('never wrote the source', async () => {
    expect(await sha256(ova)).toBe(sourceHash);
  });

  it(
    'plan --json and migrate --dry-run --json give the same plan document, and the run applied that plan',
    async () => {
      const planned = await run(['plan', ova, '--json', '--config', PHONY_CONFIG]);
      const dryRun = await run(['migrate', ova, '--dry-run', '--json', '--config', PHONY_CONFIG]);
      expect(planned.code).toBe(0);
      expect(dryRun.code).toBe(0);
      const document = JSON.parse(planned.stdout) as { plan: { changes: unknown[] } };
      expect(JSON.parse(dryRun.stdout)).toEqual(document);
      // The report adds what the deferred actions found while running; the changes are the ones planned.
      expect(report.plan?.changes).toEqual(document.plan.changes);
    },
    LONG,
  );
});

describe('a failing or killed migration', () => {
  it(
    'a plugin failure gives status failed, an attributed one-line error, no output disk, the source untouched',
    async () => {
      const project = await mkdtemp(join(tmpdir(), 'h2k-failing-'));
      await writeFile(join(project, 'package.json'), '{"name":"p","type":"module"}');
      await writeFile(
        join(project, 'broken.mjs'),
        `export default { name: 'broken-emitter', version: '1.0.0', api: 1, apply(hooks) { hooks.emit.tap('x', () => { throw new Error('disk full'); }); } };`,
      );
      await writeFile(join(project, 'hyper2kvm.config.json'), JSON.stringify({ plugins: ['@hyper2kvm/plugin-stable-device-names', './broken.mjs'] }));
      const outputDir = join(project, 'out');
      const result = await run(['migrate', ova, '--output', outputDir], project);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n').at(-1)).toBe('plugin broken-emitter failed in emit: disk full');
      const report = JSON.parse(await readFile(join(outputDir, 'report.json'), 'utf8')) as RunReport;
      expect(report.status).toBe('failed');
      expect(report.error).toMatchObject({ code: 'PLUGIN_FAILED' });
      expect((await readdir(outputDir)).filter((name) => name.endsWith('.qcow2'))).toEqual([]);
      expect(await sha256(ova)).toBe(sourceHash);
    },
    LONG,
  );

  it(
    'SIGKILL in the middle leaves the source byte-identical and no final output name',
    async () => {
      const outputDir = await mkdtemp(join(tmpdir(), 'h2k-killed-'));
      const child = execa('node', [join(repoRoot, 'packages/cli/dist/bin.js'), 'migrate', ova, '--output', outputDir, '--config', PHONY_CONFIG], {
        reject: false,
        env: { LIBGUESTFS_BACKEND: 'direct' },
      });
      await new Promise<void>((resolve) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('» fix')) resolve();
        });
        void child.then(() => resolve());
      });
      child.kill('SIGKILL');
      const ended = await child;
      expect(ended.signal).toBe('SIGKILL');
      expect(await sha256(ova)).toBe(sourceHash);
      const left = await readdir(outputDir);
      expect(left.filter((name) => /\.(qcow2|raw|xml)$/.test(name) || name === 'report.json')).toEqual([]);
    },
    LONG,
  );
});
