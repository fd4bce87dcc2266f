/**
 * The fake virtio-win ISO and the tree it was made from (test-images), read
 * through the real isoinfo: both kinds list and hand out the same files.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openVirtioWin, type VirtioWinSource } from '../src/index.js';
import { ensureImage } from '../../../test-images/build.mjs';

const AGENT = 'guest-agent/qemu-ga-x86_64.msi';
const DRIVER = 'viostor/w10/x86/viostor.sys';

let iso: string;
let tree: string;

beforeAll(async () => {
  const image = (await ensureImage('virtio-win')) as unknown as { files: { iso: string; tree: string } };
  iso = image.files.iso;
  tree = image.files.tree;
}, 300_000);

describe.each(['iso', 'directory'] as const)('a virtio-win %s', (kind) => {
  let source: VirtioWinSource;
  beforeAll(async () => {
    source = (await openVirtioWin(kind === 'iso' ? iso : tree))!;
  });

  it('is opened as what it is and lists the guest agent and the drivers', async () => {
    expect(source.kind).toBe(kind);
    expect(await source.list()).toEqual(expect.arrayContaining([AGENT, DRIVER, 'viostor/2k22/amd64/viostor.inf']));
  });

  it('hands out files byte-identical to the tree, and cleans up after itself', async () => {
    const files = await source.fetch([AGENT, DRIVER]);
    expect(await readFile(files.get(AGENT)!)).toEqual(await readFile(`${tree}/${AGENT}`));
    expect(await readFile(files.get(DRIVER)!)).toEqual(await readFile(`${tree}/${DRIVER}`));
    await source.dispose();
    if (kind === 'iso') await expect(stat(dirname(dirname(files.get(AGENT)!)))).rejects.toThrow(/ENOENT/);
    else expect((await stat(files.get(AGENT)!)).isFile()).toBe(true);
  });

  it('refuses a path that would leave its folder', async () => {
    await expect(source.fetch(['../outside'])).rejects.toThrow(/not a plain relative path/);
    await expect(source.fetch(['viostor/../../outside'])).rejects.toThrow(/not a plain relative path/);
  });
});

it('is null for a path that does not exist', async () => {
  expect(await openVirtioWin('/nonexistent/virtio-win.iso')).toBeNull();
});
