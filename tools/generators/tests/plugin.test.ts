import { readFileSync } from 'node:fs';
import { logger, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing.js';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import pluginGenerator from '../src/plugin/generator.js';

/** An official plugin as checked in: generated plugins must keep its layout. */
const official = JSON.parse(readFileSync(new URL('../../../plugins/stable-device-names/package.json', import.meta.url), 'utf8')) as Record<string, unknown>;

function read(tree: Tree, path: string): string {
  const text = tree.read(path, 'utf-8');
  if (text === null) throw new Error(`${path} was not generated`);
  return text;
}

function filesUnder(tree: Tree, dir: string): string[] {
  return tree
    .listChanges()
    .filter((change) => change.type === 'CREATE' && change.path.startsWith(`${dir}/`))
    .map((change) => change.path.slice(dir.length + 1))
    .sort();
}

describe('@hyper2kvm/generators:plugin', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.write('packages/core/package.json', JSON.stringify({ name: '@hyper2kvm/core', version: '0.1.0', dependencies: { zod: '^4.1.0' } }));
    tree.write('packages/plugin-kit/package.json', JSON.stringify({ name: '@hyper2kvm/plugin-kit', version: '0.1.0' }));
  });

  it('creates the plugin package, its test and a changeset (plan hook by default)', async () => {
    await pluginGenerator(tree, { name: 'grub-regen', description: 'Regenerates grub.cfg for virtio disks' });
    expect(filesUnder(tree, 'plugins/grub-regen')).toEqual([
      'README.md',
      'package.json',
      'src/index.ts',
      'tests/plan.test.ts',
      'tsconfig.json',
      'tsconfig.lib.json',
      'vitest.config.ts',
    ]);
    expect(read(tree, '.changeset/grub-regen-initial.md')).toBe(
      '---\n"@hyper2kvm/plugin-grub-regen": minor\n---\n\nFirst release of @hyper2kvm/plugin-grub-regen: Regenerates grub.cfg for virtio disks\n',
    );
  });

  it('writes a package.json laid out like the official plugins', async () => {
    await pluginGenerator(tree, { name: 'grub-regen', description: 'Regenerates grub.cfg for virtio disks' });
    const manifest = JSON.parse(read(tree, 'plugins/grub-regen/package.json')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: '@hyper2kvm/plugin-grub-regen',
      version: '0.1.0',
      description: 'hyper2kvm plugin: Regenerates grub.cfg for virtio disks',
      dependencies: { zod: '^4.1.0' },
      peerDependencies: { '@hyper2kvm/core': '>=0.1.0' },
      devDependencies: { '@hyper2kvm/core': '^0.1.0', '@hyper2kvm/plugin-kit': '^0.1.0' },
    });
    for (const key of ['license', 'type', 'engines', 'exports', 'main', 'types', 'files', 'scripts', 'dependencies', 'peerDependencies', 'devDependencies'])
      expect(manifest[key], key).toEqual(official[key]);
  });

  it('copies the tsconfigs and vitest config of the official plugins', async () => {
    await pluginGenerator(tree, { name: 'grub-regen' });
    for (const file of ['tsconfig.json', 'tsconfig.lib.json', 'vitest.config.ts']) {
      expect(read(tree, `plugins/grub-regen/${file}`), file).toBe(
        readFileSync(new URL(`../../../plugins/stable-device-names/${file}`, import.meta.url), 'utf8'),
      );
    }
  });

  it('writes a plan skeleton and a test on the plugin-kit harness', async () => {
    await pluginGenerator(tree, { name: 'grub-regen', description: "Fixes grub's \\ config" });
    const source = read(tree, 'plugins/grub-regen/src/index.ts');
    expect(source).toContain('const manifest = packageManifest(import.meta.url);');
    expect(source).toContain('export default definePlugin({');
    expect(source).toContain('api: 1,');
    expect(source).toContain("description: 'Fixes grub\\'s \\\\ config',");
    expect(source).toContain("appliesTo: (facts) => facts.os.type === 'linux'");
    expect(source).toContain('hooks.plan.tapPromise(manifest.name, async (p) => {');
    expect(source).toContain('await p.editFile(');
    expect(source).not.toMatch(/<%|%>/);
    const test = read(tree, 'plugins/grub-regen/tests/plan.test.ts');
    expect(test).toContain("import { planWithPlugins } from '@hyper2kvm/plugin-kit';");
    expect(test).toContain("describe('@hyper2kvm/plugin-grub-regen', () => {");
    expect(test).toContain("expect(await outcome.fileAfter('/etc/issue')).toBe(");
    expect(read(tree, 'plugins/grub-regen/README.md')).toContain('# @hyper2kvm/plugin-grub-regen');
  });

  it('writes an emit skeleton with --hook=emit', async () => {
    await pluginGenerator(tree, { name: 'checksums', hook: 'emit' });
    const source = read(tree, 'plugins/checksums/src/index.ts');
    expect(source).toContain('hooks.emit.tapPromise(manifest.name, async (context) => {');
    expect(source).toContain('await context.writeOutput(');
    expect(source).not.toContain('hooks.plan');
    expect(read(tree, 'plugins/checksums/tests/plan.test.ts')).toContain('await engine.emit(context);');
  });

  it('writes an inspect skeleton with --hook=inspect, typing its fact by declaration merging', async () => {
    await pluginGenerator(tree, { name: 'cloud-init-probe', hook: 'inspect' });
    const source = read(tree, 'plugins/cloud-init-probe/src/index.ts');
    expect(source).toContain('hooks.inspect.tapPromise(manifest.name, async ({ guest, facts }) => {');
    expect(source).toContain("'@hyper2kvm/plugin-cloud-init-probe': CloudInitProbeFacts;");
    expect(source).toContain("facts.extensions['@hyper2kvm/plugin-cloud-init-probe'] = {");
    expect(read(tree, 'plugins/cloud-init-probe/tests/plan.test.ts')).toContain(
      "expect(outcome.facts.extensions['@hyper2kvm/plugin-cloud-init-probe']).toEqual({ cloudInit: true });",
    );
  });

  it('follows the plugin API and version of @hyper2kvm/core in the workspace, with core as a peer', async () => {
    tree.write('packages/core/package.json', JSON.stringify({ name: '@hyper2kvm/core', version: '1.4.2', dependencies: { zod: '^4.2.0' } }));
    tree.write('packages/core/src/plugin/api.ts', 'export const PLUGIN_API = 3;\n');
    await pluginGenerator(tree, { name: 'grub-regen' });
    expect(read(tree, 'plugins/grub-regen/src/index.ts')).toContain('api: 3,');
    const manifest = JSON.parse(read(tree, 'plugins/grub-regen/package.json')) as Record<string, Record<string, string>>;
    expect(manifest).toMatchObject({
      dependencies: { zod: '^4.2.0' },
      peerDependencies: { '@hyper2kvm/core': '>=0.1.0' },
      devDependencies: { '@hyper2kvm/core': '^1.4.2' },
    });
    expect(manifest['dependencies']).not.toHaveProperty('@hyper2kvm/core');
  });

  it.each(['GrubRegen', 'grub_regen', '-grub', 'grub--regen', 'grub-', '9grub', '@hyper2kvm/plugin-grub', ''])('rejects the name %j', async (name) => {
    await expect(pluginGenerator(tree, { name })).rejects.toThrow(/--name must be kebab-case/);
  });

  it('rejects a name with the plugin- prefix, an unknown hook and a multi-line description', async () => {
    await expect(pluginGenerator(tree, { name: 'plugin-grub' })).rejects.toThrow('--name=grub');
    await expect(pluginGenerator(tree, { name: 'grub', hook: 'fixOffline' })).rejects.toThrow('--hook must be one of plan, emit, inspect');
    await expect(pluginGenerator(tree, { name: 'grub', description: 'one\ntwo' })).rejects.toThrow('single non-empty line');
    expect(tree.listChanges().filter((change) => change.path.startsWith('plugins/'))).toEqual([]);
  });

  it('refuses to overwrite an existing plugin', async () => {
    tree.write('plugins/grub-regen/package.json', '{}');
    await expect(pluginGenerator(tree, { name: 'grub-regen' })).rejects.toThrow('plugins/grub-regen already exists');
  });

  it('prints the next steps', async () => {
    const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    const callback = await pluginGenerator(tree, { name: 'grub-regen' });
    await callback();
    expect(info.mock.calls.flat().join('\n')).toMatch(/npm install[\s\S]*npx nx test @hyper2kvm\/plugin-grub-regen/);
    info.mockRestore();
  });
});
