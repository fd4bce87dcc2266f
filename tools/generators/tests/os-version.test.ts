import { readFileSync } from 'node:fs';
import { logger, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing.js';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import osVersionGenerator, { parseReleaseId, recipeNameFor } from '../src/os-version/generator.js';

const repo = (path: string): string => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('@hyper2kvm/generators:os-version', () => {
  let tree: Tree;

  beforeEach(() => {
    vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    tree = createTreeWithEmptyWorkspace();
    tree.write('packages/core/src/os-profiles/profiles.ts', repo('packages/core/src/os-profiles/profiles.ts'));
    tree.write('test-images/recipes/ubuntu-2204.mjs', repo('test-images/recipes/ubuntu-2204.mjs'));
  });

  it('adds a derived profile entry above the marker, a recipe and a changeset', async () => {
    const done = await osVersionGenerator(tree, { id: 'ubuntu-26.04', base: 'ubuntu-24.04', recipe: 'ubuntu-2204', prettyName: 'Ubuntu 26.04 LTS' });
    const profiles = tree.read('packages/core/src/os-profiles/profiles.ts', 'utf-8')!;
    expect(profiles).toContain("  releaseOf(byId('ubuntu-24.04'), 'ubuntu-26.04', 26),\n  // @os-version-generator: new releases above this line");
    const recipe = tree.read('test-images/recipes/ubuntu-2604.mjs', 'utf-8')!;
    expect(recipe).toContain("import base from './ubuntu-2204.mjs';");
    expect(recipe).toContain('VERSION_ID="26.04"');
    expect(recipe).toContain("name: 'ubuntu-2604'");
    expect(recipe).toContain('major: 26, minor: 4');
    expect(tree.read('.changeset/os-ubuntu-2604.md', 'utf-8')).toBe(
      '---\n"@hyper2kvm/core": minor\n---\n\nOS profile for Ubuntu 26.04 LTS (ubuntu-26.04), derived from ubuntu-24.04.\n',
    );
    done();
  });

  it('refuses a release that already exists, a missing recipe and a malformed id', async () => {
    await expect(osVersionGenerator(tree, { id: 'debian-13', base: 'debian-12', recipe: 'ubuntu-2204' })).rejects.toThrow('profile debian-13 already exists');
    await expect(osVersionGenerator(tree, { id: 'ubuntu-26.04', base: 'ubuntu-24.04', recipe: 'nope' })).rejects.toThrow(
      'test-images/recipes/nope.mjs not found',
    );
    await expect(osVersionGenerator(tree, { id: 'Ubuntu26', base: 'ubuntu-24.04', recipe: 'ubuntu-2204' })).rejects.toThrow('--id must look like');
  });

  it('parses release ids', () => {
    expect(parseReleaseId('rhel-10')).toEqual({ distro: 'rhel', major: 10, minor: 0, versionId: '10' });
    expect(parseReleaseId('opensuse-leap-15.6')).toEqual({ distro: 'opensuse-leap', major: 15, minor: 6, versionId: '15.6' });
    expect(recipeNameFor('ubuntu-26.04')).toBe('ubuntu-2604');
  });
});
