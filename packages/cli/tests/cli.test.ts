import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '@hyper2kvm/core';
import { type CliResult, runCli } from './run-cli.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

const run = (argv: string[], cwd = repoRoot): Promise<CliResult> => runCli(argv, cwd);

const storagePlugin = `
import { z } from 'zod';
export default {
  name: 'local-storage', version: '1.0.0', api: 1,
  options: z.object({ storage: z.enum(['viostor', 'vioscsi']) }),
  apply() {},
};
`;

async function projectWithConfig(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'h2k-cli-'));
  await writeFile(join(dir, 'package.json'), '{"name":"p","type":"module"}');
  await writeFile(join(dir, 'storage.mjs'), storagePlugin.replace("from 'zod'", `from '${join(repoRoot, 'node_modules', 'zod', 'index.js')}'`));
  await writeFile(join(dir, 'hyper2kvm.config.json'), JSON.stringify(config));
  return dir;
}

describe('hyper2kvm CLI', () => {
  it('npx hyper2kvm plugins lists the official plugins with their versions', async () => {
    const result = await execa('npx', ['--no-install', 'hyper2kvm', 'plugins'], { cwd: repoRoot, reject: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/@hyper2kvm\/plugin-stable-device-names\s+0\.\d+\.\d+/);
    expect(result.stdout).toMatch(/@hyper2kvm\/plugin-libvirt-xml\s+0\.\d+\.\d+/);
  });

  it('plugins --json gives names, versions and where they came from', async () => {
    const result = await run(['plugins', '--json']);
    const document = JSON.parse(result.stdout) as { source: string; plugins: { name: string; version: string }[] };
    expect(document.source).toBe('preset');
    expect(document.plugins.map((plugin) => plugin.name)).toEqual(
      expect.arrayContaining(['@hyper2kvm/plugin-stable-device-names', '@hyper2kvm/plugin-libvirt-xml', '@hyper2kvm/plugin-kubevirt']),
    );
  });

  it('config --schema prints the JSON Schema generated from zod', async () => {
    const result = await run(['config', '--schema']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('a bad plugin option exits 2 with one line naming the file and the path, no stack', async () => {
    const dir = await projectWithConfig({
      plugins: ['@hyper2kvm/plugin-libvirt-xml', './storage.mjs', { plugin: './storage.mjs', options: { storage: 'ide' } }],
    });
    const result = await run(['plugins'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'hyper2kvm.config.json: plugins[1].options.storage: missing, expected "viostor" | "vioscsi"\n' +
        'hyper2kvm.config.json: plugins[2].options.storage: expected "viostor" | "vioscsi", got "ide"\n',
    );
    expect(result.stderr).not.toContain('    at ');
  });

  it('the same error from the real binary exits 2', async () => {
    const dir = await projectWithConfig({ plugins: [{ plugin: './storage.mjs', options: { storage: 'ide' } }] });
    const result = await execa('node', [join(repoRoot, 'packages/cli/dist/bin.js'), 'plugins'], { cwd: dir, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('hyper2kvm.config.json: plugins[0].options.storage: expected "viostor" | "vioscsi", got "ide"');
  });

  it('unknown commands and missing arguments are usage errors (exit 2)', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    const missing = await run(['migrate', 'x.vmdk']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('migrate: --output DIR is required (see hyper2kvm migrate --help)\n');
    const unknownFlag = await run(['inspect', '--bogus']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/^inspect: Unknown option '--bogus'/);
  });

  it('every command has --help', async () => {
    for (const command of ['inspect', 'plan', 'migrate', 'verify', 'batch', 'plugins', 'config', 'doctor', 'completion']) {
      const result = await run([command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toMatch(new RegExp(`^Usage: hyper2kvm ${command}`));
    }
  });

  it('a missing source is a one-line error naming it', async () => {
    const result = await run(['inspect', '/nonexistent/vm.vmdk']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('/nonexistent/vm.vmdk: no such file or directory\n');
  });

  it('plans a guest folder through the directory adapter only when asked, with diffs', async () => {
    const guest = await mkdtemp(join(tmpdir(), 'h2k-guest-'));
    for (const [path, content] of Object.entries({
      'etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
      'etc/fstab': '/dev/sda1 / ext4 defaults 0 1\n',
      'boot/grub/device.map': '(hd0) /dev/sda\n',
    })) {
      await execa('mkdir', ['-p', join(guest, path, '..')]);
      await writeFile(join(guest, path), content);
    }
    const config = join(import.meta.dirname, 'fixtures', 'phony-guest.config.json');
    // A folder given as it is must be an export: a guest root is repaired in place, so never chosen by accident.
    const refused = await run(['plan', guest, '--config', config]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `${guest}: is a folder without an .ovf or .vmx file; to migrate a folder holding a guest's root file system, name it with dir: (it is then repaired in place)\n`,
    );
    const result = await run(['plan', '--guest-root', guest, '--config', config]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('delete /boot/grub/device.map');
    // A folder has no block devices: the fstab name cannot be made stable, which is a warning, not a guess.
    expect(result.stdout).toContain('WARNING stable-device-names'.replace('stable-device-names', '@hyper2kvm/plugin-stable-device-names'));
    const json = JSON.parse((await run(['plan', `dir:${guest}`, '--json', '--config', config])).stdout) as {
      plan: { changes: { kind: string; path: string }[]; blocked: boolean };
    };
    expect(json.plan.changes).toMatchObject([{ kind: 'file.delete', path: '/boot/grub/device.map' }]);
    expect(json.plan.blocked).toBe(false);
  });
});
