/**
 * The release, rehearsed: a copy of the workspace as it is now (tracked and
 * new files), `changeset version` applied to it, installed offline and built,
 * then the built CLI loads the whole official preset and a vendor plugin
 * through the real loader. A release whose core refuses its own plugins (a
 * core version outside the plugins' declared range, say) fails here first.
 */
import { execa } from 'execa';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
  await execa('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: copy });
  await execa('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static', '--skipNxCache'], { cwd: copy, env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
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

