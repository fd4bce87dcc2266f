/**
 * `nx g @hyper2kvm/generators:plugin --name=grub-regen [--hook=plan|emit|inspect] [--description="…"]`
 *
 * Scaffolds plugins/<name> as the official plugins are laid out (package.json,
 * tsconfigs, vitest config, README, src/index.ts with a working tap on the
 * chosen hook, tests/plan.test.ts on the plugin-kit harness) and a changeset
 * announcing the first release.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatFiles, generateFiles, joinPathFragments, logger, names } from '@nx/devkit';

/** @import { GeneratorCallback, Tree } from '@nx/devkit' */

/**
 * Options as the schema declares them.
 * @typedef {{ name: string; description?: string; hook?: string }} PluginGeneratorSchema
 */

/**
 * Everything the templates need.
 * @typedef {object} NormalizedOptions
 * @property {string} name kebab-case name, e.g. `grub-regen`
 * @property {'plan' | 'emit' | 'inspect'} hook
 * @property {string} description one line
 * @property {string} packageName npm package name, `plugin-<name>` in the hyper2kvm scope
 * @property {string} projectRoot `plugins/<name>`
 * @property {string} changesetPath `.changeset/<name>-initial.md`
 * @property {string} className PascalCase name (type names)
 * @property {number} pluginApi the plugin API of the workspace's core (`api`)
 * @property {string} coreRange devDependency range of the core package
 * @property {string} corePeerRange peerDependency range of the core package (one copy, any version: `api` decides)
 * @property {string} pluginKitRange devDependency range of the plugin kit
 * @property {string} zodRange dependency range of zod
 */

export const HOOKS = /** @type {const} */ (['plan', 'emit', 'inspect']);
const NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), 'templates');

/**
 * Version of a workspace package, read from the tree; `fallback` when absent.
 * @param {Tree} tree
 * @param {string} path
 * @param {string} fallback
 */
function versionIn(tree, path, fallback) {
  const text = tree.read(path, 'utf-8');
  if (!text) return fallback;
  const version = /** @type {{ version?: unknown }} */ (JSON.parse(text)).version;
  return typeof version === 'string' && /^\d+\.\d+\.\d+/.test(version) ? version : fallback;
}

/**
 * A dependency range declared by a workspace package, read from the tree; `fallback` when absent.
 * @param {Tree} tree
 * @param {string} path
 * @param {string} dependency
 * @param {string} fallback
 */
function dependencyRangeIn(tree, path, dependency, fallback) {
  const text = tree.read(path, 'utf-8');
  if (!text) return fallback;
  const manifest = /** @type {{ dependencies?: Record<string, unknown> }} */ (JSON.parse(text));
  const range = manifest.dependencies?.[dependency];
  return typeof range === 'string' ? range : fallback;
}

/**
 * Validates the options and derives names, paths and version ranges.
 * @param {Tree} tree
 * @param {PluginGeneratorSchema} schema
 * @returns {NormalizedOptions}
 */
export function normalizeOptions(tree, schema) {
  const name = String(schema.name ?? '').trim();
  if (!NAME_PATTERN.test(name)) {
    throw new Error(
      `--name must be kebab-case (lower-case letters and digits separated by single dashes, starting with a letter), e.g. grub-regen; got ${JSON.stringify(name)}`,
    );
  }
  if (name.startsWith('plugin-')) {
    throw new Error(
      `--name is given without the plugin- prefix: --name=${name.slice('plugin-'.length)} makes @hyper2kvm/plugin-${name.slice('plugin-'.length)}`,
    );
  }
  const hook = schema.hook ?? 'plan';
  if (!(/** @type {readonly string[]} */ (HOOKS).includes(hook))) {
    throw new Error(`--hook must be one of ${HOOKS.join(', ')}; got ${JSON.stringify(hook)}`);
  }
  const description = (schema.description ?? `TODO: say in one line what ${name} repairs or produces`).trim();
  if (description === '' || /[\r\n]/.test(description)) throw new Error('--description must be a single non-empty line');

  const coreVersion = versionIn(tree, 'packages/core/package.json', '0.1.0');
  return {
    name,
    hook: /** @type {NormalizedOptions['hook']} */ (hook),
    description,
    packageName: `@hyper2kvm/plugin-${name}`,
    projectRoot: joinPathFragments('plugins', name),
    changesetPath: joinPathFragments('.changeset', `${name}-initial.md`),
    className: names(name).className,
    pluginApi: pluginApiIn(tree),
    coreRange: `^${coreVersion}`,
    corePeerRange: '>=0.1.0',
    pluginKitRange: `^${versionIn(tree, 'packages/plugin-kit/package.json', '0.1.0')}`,
    zodRange: dependencyRangeIn(tree, 'packages/core/package.json', 'zod', '^4.1.0'),
  };
}

/**
 * The plugin API core provides (`PLUGIN_API` in packages/core/src/plugin/api.ts), 1 outside the workspace.
 * @param {import('@nx/devkit').Tree} tree
 */
function pluginApiIn(tree) {
  const source = tree.read('packages/core/src/plugin/api.ts', 'utf-8');
  const match = source === null ? null : /export const PLUGIN_API = (\d+);/.exec(source);
  return match ? Number(match[1]) : 1;
}

/**
 * A TypeScript single-quoted string literal.
 * @param {string} value
 */
function tsString(value) {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Creates plugins/<name> and .changeset/<name>-initial.md.
 * @param {Tree} tree
 * @param {PluginGeneratorSchema} schema
 * @returns {Promise<GeneratorCallback>}
 */
export default async function pluginGenerator(tree, schema) {
  const options = normalizeOptions(tree, schema);
  if (tree.exists(options.projectRoot)) throw new Error(`${options.projectRoot} already exists; choose another --name or remove it first`);
  if (tree.exists(options.changesetPath)) throw new Error(`${options.changesetPath} already exists`);

  // Templates use <%- %> (no HTML escaping); values that land inside code or JSON are pre-quoted here.
  const substitutions = {
    ...options,
    tmpl: '',
    descriptionJson: JSON.stringify(`hyper2kvm plugin: ${options.description}`),
    descriptionTs: tsString(options.description),
    packageNameTs: tsString(options.packageName),
  };
  generateFiles(tree, join(TEMPLATES, 'common'), options.projectRoot, substitutions);
  generateFiles(tree, join(TEMPLATES, options.hook), options.projectRoot, substitutions);
  tree.write(
    options.changesetPath,
    `---\n${JSON.stringify(options.packageName)}: minor\n---\n\nFirst release of ${options.packageName}: ${options.description}\n`,
  );
  // As the workspace's prettier config formats them, so the new plugin passes lint as generated.
  if (tree.exists('.prettierrc.json')) await formatFiles(tree);

  return () => {
    logger.info(
      [
        '',
        `Created ${options.projectRoot} (${options.packageName}, taps ${options.hook}) and ${options.changesetPath}.`,
        'Next steps:',
        '  npm install                                   # links the new workspace package',
        `  npx nx test ${options.packageName}`,
        `  npx nx run-many -t lint typecheck test -p ${options.packageName}`,
        `Then replace the example tap in ${options.projectRoot}/src/index.ts with your repair (see docs/plugins.md).`,
      ].join('\n'),
    );
  };
}
