/**
 * The release, rehearsed: a copy of the workspace as it is now (tracked and
 * new files), `changeset version` applied to it, installed offline and built,
 * then the built CLI loads the whole official preset and a vendor plugin
 * through the real loader. A release whose core refuses its own plugins (a
 * core version outside the plugins' declared range, say) fails here first.
 * Last, what it would publish is packed with `npm pack` and installed from
 * the tarballs into a vendor's project outside the repository, whose own
 * plugin (core as a peer) is enabled in its config and plans a real guest.
 */
import { execa } from 'execa';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureImage } from '../../../test-images/build.mjs';

const workspace = join(import.meta.dirname, '..', '..', '..');
const LONG = 900_000;
let copy: string;
const before = new Map<string, string>();

interface Manifest {
  /** The workspace folder it is in: `packages`, `plugins` or `tools`. */
  group: string;
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The package.json of every workspace package under `root`. */
async function manifests(root: string): Promise<Manifest[]> {
  const found: Manifest[] = [];
  for (const group of ['packages', 'plugins', 'tools']) {
    for (const entry of await readdir(join(root, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const text = await readFile(join(root, group, entry.name, 'package.json'), 'utf8').catch(() => undefined);
      if (text !== undefined) found.push({ ...(JSON.parse(text) as Omit<Manifest, 'group'>), group });
    }
  }
  return found;
}

async function cli(args: string[], cwd: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa('node', [join(copy, 'packages/cli/dist/bin.js'), ...args], { cwd, reject: false, env: { NX_DAEMON: 'false' } });
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

beforeAll(async () => {
  copy = await mkdtemp(join(tmpdir(), 'h2k-release-'));
  const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: workspace });
  for (const path of stdout.split('\0').filter(Boolean)) {
    await mkdir(dirname(join(copy, path)), { recursive: true });
    await cp(join(workspace, path), join(copy, path)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the work tree but not yet in the index
    });
  }
  for (const manifest of await manifests(workspace)) before.set(manifest.name, manifest.version);
  // The copy has no node_modules yet: run the workspace's own changesets CLI on it.
  await execa(join(workspace, 'node_modules', '.bin', 'changeset'), ['version'], { cwd: copy });
  // Cache first; the registry only for what the cache lacks (npm keeps no package documents for lockfile installs).
  await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: copy });
  await execa('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static', '--skipNxCache'], {
    cwd: copy,
    env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
}, LONG);

afterAll(async () => {
  if (copy) await rm(copy, { recursive: true, force: true });
});

describe('a release of the workspace', () => {
  it('versions every package its changesets name, and no plugin gets a major bump from its peer dependency on core', async () => {
    const after = await manifests(copy);
    const published = after.filter((manifest) => !manifest.private);
    expect(published.length).toBeGreaterThan(15);
    for (const manifest of published) {
      const old = before.get(manifest.name)!;
      const [oldMajor] = old.split('.').map(Number);
      const [newMajor] = manifest.version.split('.').map(Number);
      expect(newMajor, `${manifest.name} ${old} → ${manifest.version}`).toBe(oldMajor);
      if (manifest.group === 'plugins') {
        // Plugins use the core the user runs: a peer, never a copy of their own.
        expect(manifest.dependencies?.['@hyper2kvm/core'], manifest.name).toBeUndefined();
        expect(manifest.peerDependencies?.['@hyper2kvm/core'], manifest.name).toBe('>=0.1.0');
      }
    }
  });

  it('loads the whole built-in preset through the real loader of the released core', async () => {
    const core = (await manifests(copy)).find((manifest) => manifest.name === '@hyper2kvm/core')!.version;
    const result = await cli(['plugins', '--json'], copy);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const listed = JSON.parse(result.stdout) as { source: string; plugins: { name: string; version: string; api: number; path: string }[] };
    expect(listed.source).toBe('preset');
    const official = (await manifests(copy)).filter((manifest) => manifest.group === 'plugins');
    expect(listed.plugins.map((plugin) => plugin.name).sort()).toEqual(official.map((manifest) => manifest.name).sort());
    for (const plugin of listed.plugins) {
      expect(plugin.path.startsWith(copy)).toBe(true);
      expect(plugin.version).toBe(official.find((manifest) => manifest.name === plugin.name)!.version);
    }
    expect(core).not.toBe(before.get('@hyper2kvm/core'));
  });

  it('loads a vendor plugin (core as a peer, plugin API 1) beside official ones', async () => {
    const project = await mkdtemp(join(tmpdir(), 'h2k-release-vendor-'));
    try {
      await cp(join(import.meta.dirname, '..', 'fixtures', 'vendor-plugin'), join(project, 'vendor-plugin'), { recursive: true });
      await writeFile(join(project, 'hyper2kvm.config.json'), JSON.stringify({ plugins: ['./vendor-plugin/index.js', '@hyper2kvm/plugin-libvirt-xml'] }));
      const result = await cli(['plugins', '--json', '--config', join(project, 'hyper2kvm.config.json')], project);
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      const listed = JSON.parse(result.stdout) as { plugins: { name: string; api: number }[] };
      expect(listed.plugins.map((plugin) => [plugin.name, plugin.api])).toEqual([
        ['@acme/hyper2kvm-plugin-release-probe', 1],
        ['@hyper2kvm/plugin-libvirt-xml', 1],
      ]);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});

describe('a vendor project outside the repository, installed from the packed tarballs', () => {
  let project: string;
  let tarballs: string;
  const hyper2kvm = (args: string[]) =>
    execa(join(project, 'node_modules', '.bin', 'hyper2kvm'), args, {
      cwd: project,
      reject: false,
      env: { LIBGUESTFS_BACKEND: process.env['LIBGUESTFS_BACKEND'] ?? 'direct' },
    });

  beforeAll(async () => {
    tarballs = await mkdtemp(join(tmpdir(), 'h2k-tarballs-'));
    await execa('npm', ['pack', '--workspaces', '--pack-destination', tarballs, '--silent'], { cwd: copy });
    const published = (await manifests(copy)).filter((manifest) => !manifest.private);
    project = await mkdtemp(join(tmpdir(), 'h2k-vendor-project-'));
    await cp(join(import.meta.dirname, '..', 'fixtures', 'vendor-project'), project, { recursive: true });
    // What a vendor without a registry copy of hyper2kvm does: every package from its tarball.
    const dependencies: Record<string, string> = { '@acme/hyper2kvm-plugin-motd': 'file:./acme-plugin' };
    for (const manifest of published)
      dependencies[manifest.name] = `file:${join(tarballs, `${manifest.name.slice(1).replace('/', '-')}-${manifest.version}.tgz`)}`;
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'acme-migrations', private: true, type: 'module', dependencies }, null, 2));
    // Third-party packages come from npm's cache first (the workspace's install filled it).
    await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project });
  }, LONG);

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
    if (tarballs) await rm(tarballs, { recursive: true, force: true });
  });

  it('took every hyper2kvm package from a tarball, at the released version', async () => {
    const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; resolved?: string }>;
    };
    const installed = Object.entries(lock.packages).filter(([path]) => path.startsWith('node_modules/@hyper2kvm/'));
    const released = (await manifests(copy)).filter((manifest) => !manifest.private);
    expect(installed.map(([path]) => path.slice('node_modules/'.length)).sort()).toEqual(released.map((manifest) => manifest.name).sort());
    for (const [path, entry] of installed) {
      expect(entry.resolved, path).toMatch(/^file:.*\.tgz$/);
      expect(entry.version, path).toBe(released.find((manifest) => `node_modules/${manifest.name}` === path)!.version);
    }
  });

  it("runs the vendor's own plugin-kit test of its plugin", async () => {
    const result = await execa('node', ['check-plugin.mjs'], { cwd: project, reject: false });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('acme plugin: ok');
  });

  it('lists the vendor plugin from its config, in order, between official ones', async () => {
    const result = await hyper2kvm(['plugins', '--json']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const listed = JSON.parse(String(result.stdout)) as { source: string; plugins: { name: string; version: string; api: number; path: string }[] };
    expect(listed.source).toBe('hyper2kvm.config.json');
    expect(listed.plugins.map((plugin) => [plugin.name, plugin.api])).toEqual([
      ['@hyper2kvm/plugin-stable-device-names', 1],
      ['@acme/hyper2kvm-plugin-motd', 1],
      ['@hyper2kvm/plugin-libvirt-xml', 1],
    ]);
    // Official ones from the installed tarballs; the vendor's from its folder (npm links a file: dependency).
    for (const plugin of listed.plugins.filter((entry) => entry.name.startsWith('@hyper2kvm/')))
      expect(plugin.path.startsWith(join(project, 'node_modules', '@hyper2kvm'))).toBe(true);
    expect(listed.plugins[1]!.path).toBe(join(project, 'acme-plugin', 'index.js'));
  });

  it(
    "plans a real VMware export with the vendor plugin's change in the plan",
    async () => {
      const ova = (await ensureImage('ubuntu-2204', { log: () => undefined })).files['ova']!;
      const result = await hyper2kvm(['plan', ova, '--json']);
      expect(result.exitCode, String(result.stderr)).toBe(0);
      const document = JSON.parse(String(result.stdout)) as { plan: { changes: { kind: string; path?: string; plugin: string; after?: { data: string } }[] } };
      const motd = document.plan.changes.find((change) => change.path === '/etc/motd');
      expect(motd).toMatchObject({ plugin: '@acme/hyper2kvm-plugin-motd' });
      expect(motd?.after?.data.endsWith('This machine was migrated to KVM by ACME.\n')).toBe(true);
      // The official plugin in the same config planned beside it.
      expect(document.plan.changes.some((change) => change.path === '/etc/fstab' && change.plugin === '@hyper2kvm/plugin-stable-device-names')).toBe(true);
    },
    LONG,
  );
});
