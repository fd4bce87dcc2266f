import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_SEARCH_PLACES, CORE_VERSION, ConfigError, Engine, configJsonSchema, emptyFacts, loadConfig, loadPlugins, PLUGIN_API } from '../src/index.js';
import { MemoryGuest, tempTree } from './helpers.js';

const storagePlugin = `
import { z } from 'zod';
export default {
  name: 'local-storage',
  version: '1.0.0',
  api: 1,
  options: z.object({ storage: z.enum(['viostor', 'vioscsi']).default('viostor') }).strict(),
  apply(hooks, ctx) {
    hooks.plan.tap('local-storage', (p) => p.report({ rule: 'storage', severity: 'info', message: ctx.options.storage }));
  },
};
`;

async function problemsOf(run: () => Promise<unknown>): Promise<string[]> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config discovery', () => {
  const bodies: Record<string, string> = {
    json: '{"output":{"format":"raw"}}',
    yaml: 'output:\n  format: raw\n',
    js: 'export default { output: { format: "raw" } };',
    ts: 'export default { output: { format: "raw" as const } };',
  };
  const bodyFor = (place: string): string => {
    if (place === 'package.json') return '{"name":"x","hyper2kvm":{"output":{"format":"raw"}}}';
    if (place.endsWith('.ts')) return bodies.ts!;
    if (place.endsWith('.js') || place.endsWith('.mjs')) return bodies.js!;
    if (place.endsWith('.yaml') || place.endsWith('.yml')) return bodies.yaml!;
    return bodies.json!;
  };

  it.each(CONFIG_SEARCH_PLACES)('finds %s', async (place) => {
    const root = await tempTree({ [place]: bodyFor(place), ...(place === 'package.json' ? {} : { 'package.json': '{"name":"x","type":"module"}' }) });
    const nested = join(root, 'sub', 'dir');
    await mkdir(nested, { recursive: true });
    const loaded = await loadConfig({ cwd: nested });
    expect(loaded.filePath).toBe(join(root, place));
    expect(loaded.config.output.format).toBe('raw');
  });

  it('applies defaults when there is no config file', async () => {
    const root = await tempTree({ 'package.json': '{"name":"x"}' });
    const loaded = await loadConfig({ cwd: root });
    expect(loaded.filePath).toBeNull();
    expect(loaded.config).toMatchObject({ output: { format: 'qcow2', compress: false }, accel: 'auto' });
    expect(loaded.config.plugins).toBeUndefined();
  });

  it('names the file and the path of every problem', async () => {
    const root = await tempTree({ 'hyper2kvm.config.json': '{"output":{"format":"vdi","zip":true},"parallelism":{"vms":0}}' });
    const problems = await problemsOf(() => loadConfig({ cwd: root }));
    expect(problems).toEqual([
      'hyper2kvm.config.json: output.format: expected "qcow2" | "raw", got "vdi"',
      'hyper2kvm.config.json: output: unknown key "zip"',
      expect.stringMatching(/^hyper2kvm\.config\.json: parallelism\.vms: Too small.*got 0$/),
    ]);
  });

  it('reports unparseable files in one line', async () => {
    const root = await tempTree({ 'hyper2kvm.config.json': '{"output": ' });
    const problems = await problemsOf(() => loadConfig({ cwd: root }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^hyper2kvm\.config\.json: cannot read the configuration: /);
  });
});

describe('plugin loading', () => {
  async function projectWith(files: Record<string, string>): Promise<string> {
    const root = await tempTree({ 'package.json': '{"name":"p","type":"module"}', ...files });
    // zod for the local plugin file, the vendor package as if installed from npm.
    await mkdir(join(root, 'node_modules', '@vendor'), { recursive: true });
    await symlink(join(import.meta.dirname, '..', '..', '..', 'node_modules', 'zod'), join(root, 'node_modules', 'zod'));
    await symlink(join(import.meta.dirname, 'fixtures', 'vendor-plugin'), join(root, 'node_modules', '@vendor', 'hyper2kvm-plugin-example'));
    return root;
  }

  it('loads a plugin from a file path and one from a package name, the same way', async () => {
    const root = await projectWith({ 'plugins/storage.mjs': storagePlugin });
    const plugins = await loadPlugins(['@vendor/hyper2kvm-plugin-example', { plugin: './plugins/storage.mjs', options: { storage: 'vioscsi' } }], {
      baseDir: root,
      displayName: 'hyper2kvm.config.json',
      coreVersion: CORE_VERSION,
    });
    expect(plugins.map((loaded) => loaded.plugin.name)).toEqual(['@vendor/hyper2kvm-plugin-example', 'local-storage']);
    const engine = new Engine({ plugins, coreVersion: CORE_VERSION });
    const guest = new MemoryGuest();
    const plan = await engine.plan(guest, await engine.inspect(guest, emptyFacts()));
    expect(plan.findings.map((finding) => `${finding.plugin}: ${finding.message}`)).toEqual([
      '@vendor/hyper2kvm-plugin-example: vendor plugin ran',
      'local-storage: vioscsi',
    ]);
  });

  it('validates plugin options with the config path of the offending value', async () => {
    const root = await projectWith({ 'plugins/storage.mjs': storagePlugin });
    const problems = await problemsOf(() =>
      loadPlugins(['@vendor/hyper2kvm-plugin-example', './plugins/storage.mjs', { plugin: './plugins/storage.mjs', options: { storage: 'ide' } }], {
        baseDir: root,
        displayName: 'hyper2kvm.config.json',
        coreVersion: CORE_VERSION,
      }),
    );
    expect(problems).toEqual(['hyper2kvm.config.json: plugins[2].options.storage: expected "viostor" | "vioscsi", got "ide"']);
  });

  it('refuses a plugin written for a plugin API this core does not provide, whatever the core version', async () => {
    const root = await projectWith({ 'old.mjs': `export default { name: 'old', version: '0.0.1', api: 9, apply() {} };` });
    const problems = await problemsOf(() => loadPlugins(['./old.mjs'], { baseDir: root, displayName: 'cfg.yaml', coreVersion: CORE_VERSION }));
    expect(problems).toEqual([
      `cfg.yaml: plugins[0]: old@0.0.1 is written for plugin API 9, but this hyper2kvm (@hyper2kvm/core ${CORE_VERSION}) provides plugin API ${PLUGIN_API}`,
    ]);
    // The core version plays no part: a core released as 7.3.0 still runs API-1 plugins.
    const current = await projectWith({ 'current.mjs': `export default { name: 'current', version: '1.0.0', api: ${PLUGIN_API}, apply() {} };` });
    expect(
      (await loadPlugins(['./current.mjs'], { baseDir: current, displayName: 'cfg.yaml', coreVersion: '7.3.0' })).map((loaded) => loaded.plugin.name),
    ).toEqual(['current']);
  });

  it('names missing packages, missing files and modules that are not plugins', async () => {
    const root = await projectWith({ 'not-a-plugin.mjs': 'export default { hello: 1 };' });
    const problems = await problemsOf(() =>
      loadPlugins(['@nobody/missing', './nope.mjs', './not-a-plugin.mjs'], { baseDir: root, displayName: 'cfg.json', coreVersion: CORE_VERSION }),
    );
    expect(problems[0]).toBe('cfg.json: plugins[0]: cannot load "@nobody/missing": package is not installed (npm install @nobody/missing)');
    expect(problems[1]).toMatch(/^cfg\.json: plugins\[1\]: cannot load "\.\/nope\.mjs": file .*nope\.mjs does not exist$/);
    expect(problems[2]).toMatch(
      /^cfg\.json: plugins\[2\]: "\.\/not-a-plugin\.mjs" does not export a hyper2kvm plugin \(bad or missing: name, version, api, apply\)$/,
    );
  });
});

describe('JSON Schema', () => {
  it('is generated from the zod schema and stays as reviewed', () => {
    expect(configJsonSchema()).toMatchSnapshot();
  });
});

describe('config file writing', () => {
  it('accepts the example from the README', async () => {
    const root = await tempTree({
      'hyper2kvm.config.yaml': [
        'plugins:',
        '  - "@hyper2kvm/plugin-stable-device-names"',
        '  - plugin: ./my-plugin.mjs',
        '    options: { verbose: true }',
        'output:',
        '  format: qcow2',
        '  compress: true',
        'virtioWin: /srv/virtio-win.iso',
        'parallelism: { vms: 2 }',
        '',
      ].join('\n'),
    });
    await writeFile(join(root, 'package.json'), '{}');
    const { config } = await loadConfig({ cwd: root });
    expect(config).toMatchObject({ output: { compress: true }, virtioWin: '/srv/virtio-win.iso', parallelism: { vms: 2, convertCoroutines: 8 } });
  });
});
