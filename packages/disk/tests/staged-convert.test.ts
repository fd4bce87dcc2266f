/**
 * Staged conversion: copy the source while the overlay is being repaired,
 * then fold the overlay's changes in. The output must equal a plain
 * conversion of the repaired overlay, for an OVA member and a plain VMDK.
 */
import { execa } from 'execa';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDisk } from '../src/convert.js';
import { createOverlays } from '../src/overlay.js';
import { openSource } from '../src/source.js';
import { StagedConversion } from '../src/staged-convert.js';
import { buildSmallExport, makeTempDir, removeDir, sameContent, sha256 } from './helpers/images.js';

let dir: string;
let ova: string;
let vmdk: string;

beforeAll(async () => {
  dir = await makeTempDir('staged');
  ({ vmdk, ova } = await buildSmallExport(dir));
});
afterAll(async () => removeDir(dir));

/** Repairs as the appliance would leave them: data written, and a zeroed (trimmed) range. */
async function repair(overlay: string): Promise<void> {
  await execa('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 1M 192k', '-c', 'write -z 8M 1M', '-c', 'write -P 0x11 63M 4k', overlay]);
}

describe.each([
  ['an OVA member', () => ova],
  ['a plain VMDK', () => vmdk],
])('StagedConversion of %s', (_label, source) => {
  it.each(['qcow2', 'raw'] as const)('gives the same disk as converting the repaired overlay (%s)', async (format) => {
    const work = join(dir, `work-${format}-${_label.replace(/\W+/g, '-')}`);
    const vm = (await openSource([source()])).vm;
    const sourceHash = await sha256(source());
    const [staged, reference] = await createOverlays({ ...vm, disks: [vm.disks[0]!, vm.disks[0]!] }, work);
    const conversion = StagedConversion.start({ source: vm.disks[0]!, to: join(work, `out.${format}`), format });
    await repair(staged!.overlayPath);
    await repair(reference!.overlayPath);
    const result = await conversion.finish(staged!.overlayPath);
    const expected = await convertDisk({ from: reference!.overlayPath, fromFormat: 'qcow2', to: join(work, `expected.${format}`), format });
    expect(await sameContent(result.path, expected.path, { a: format, b: format })).toBe(true);
    expect(result.sha256).toBe(await sha256(result.path));
    expect(result.stagedTimings.copy).toBeGreaterThan(0);
    expect(await sha256(source())).toBe(sourceHash);
    expect((await readdir(work)).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });
});

describe('cancelling a staged conversion', () => {
  it('kills the copy and leaves neither the partial nor the final output', async () => {
    const work = join(dir, 'cancelled');
    const vm = (await openSource([vmdk])).vm;
    await createOverlays(vm, work);
    const conversion = StagedConversion.start({ source: vm.disks[0]!, to: join(work, 'out.qcow2'), format: 'qcow2' });
    await conversion.cancel();
    const left = await readdir(work);
    expect(left.filter((name) => name.startsWith('out.'))).toEqual([]);
  });
});
