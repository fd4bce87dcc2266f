/**
 * `nx g @hyper2kvm/generators:os-version --id=ubuntu-26.04 --base=ubuntu-24.04 --recipe=ubuntu-2204`
 *
 * Adding an OS release is data: a profile entry derived from the closest
 * release, a test-image recipe derived from an existing guest with the new
 * os-release, and a changeset for @hyper2kvm/core.
 */
import { logger } from '@nx/devkit';

/** @import { Tree } from '@nx/devkit' */

/**
 * @typedef {{ id: string; base: string; recipe: string; prettyName?: string }} OsVersionSchema
 */

const PROFILES = 'packages/core/src/os-profiles/profiles.ts';
const MARKER = '  // @os-version-generator: new releases above this line';
const ID_PATTERN = /^([a-z][a-z0-9-]*)-(\d+)(?:\.(\d+))?$/;

/**
 * Splits `ubuntu-26.04` into distro, major, minor.
 * @param {string} id
 */
export function parseReleaseId(id) {
  const match = ID_PATTERN.exec(id);
  if (!match) throw new Error(`--id must look like ubuntu-26.04 or rhel-10, got ${JSON.stringify(id)}`);
  return {
    distro: /** @type {string} */ (match[1]),
    major: Number(match[2]),
    minor: Number(match[3] ?? 0),
    versionId: match[3] === undefined ? match[2] : `${match[2]}.${match[3]}`,
  };
}

/**
 * The recipe file name for a release id: `ubuntu-26.04` → `ubuntu-2604`.
 * @param {string} id
 */
export function recipeNameFor(id) {
  return id.replace(/\./g, '');
}

/**
 * @param {Tree} tree
 * @param {OsVersionSchema} options
 */
export default async function osVersionGenerator(tree, options) {
  const release = parseReleaseId(options.id);
  const profiles = tree.read(PROFILES, 'utf-8');
  if (!profiles) throw new Error(`${PROFILES} not found: run the generator from the workspace root`);
  if (!profiles.includes(MARKER)) throw new Error(`${PROFILES} has no generator marker line`);
  if (profiles.includes(`'${options.id}'`)) throw new Error(`profile ${options.id} already exists in ${PROFILES}`);
  // An unknown base fails loudly when the profiles load (byId throws), caught by core's tests.
  const baseRecipe = `test-images/recipes/${options.recipe}.mjs`;
  if (!tree.exists(baseRecipe)) throw new Error(`${baseRecipe} not found (--recipe names a file in test-images/recipes without .mjs)`);
  const recipeName = recipeNameFor(options.id);
  const recipePath = `test-images/recipes/${recipeName}.mjs`;
  if (tree.exists(recipePath)) throw new Error(`${recipePath} already exists`);

  tree.write(PROFILES, profiles.replace(MARKER, `  releaseOf(byId('${options.base}'), '${options.id}', ${release.major}),\n${MARKER}`));

  const prettyName = options.prettyName ?? `${release.distro} ${release.versionId}`;
  tree.write(
    recipePath,
    `// ${prettyName}: derived from ${options.recipe} by the os-version generator.
// Review every file the base recipe writes and change what differs in this
// release (kernel version, package names, network flavour, bootloader paths).
import base from './${options.recipe}.mjs';

const OS_RELEASE = \`PRETTY_NAME=${JSON.stringify(prettyName)}
NAME=${JSON.stringify(prettyName.split(' ')[0] ?? release.distro)}
VERSION_ID=${JSON.stringify(release.versionId)}
ID=${release.distro}
\`;

export default {
  ...base,
  name: '${recipeName}',
  description: ${JSON.stringify(`${prettyName} (derived from ${options.recipe})`)},
  files: { ...base.files, '/etc/os-release': OS_RELEASE },
  expect: { ...base.expect, distro: '${release.distro}', product: ${JSON.stringify(prettyName)}, major: ${release.major}, minor: ${release.minor} },
};
`,
  );

  tree.write(
    `.changeset/os-${recipeName}.md`,
    `---\n"@hyper2kvm/core": minor\n---\n\nOS profile for ${prettyName} (${options.id}), derived from ${options.base}.\n`,
  );

  return () => {
    logger.info(`Added profile ${options.id}, recipe ${recipePath} and a changeset.`);
    logger.info(`Next: review ${recipePath}, build it with \`node test-images/build.mjs ${recipeName}\`, and run \`npx nx test @hyper2kvm/core\`.`);
  };
}
