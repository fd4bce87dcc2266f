// Manifest verification on a multi-GiB OVA: migrate() with and without
// checksum verification, the same OVA, runs alternated. Verification reads
// the OVA while the appliance starts and the staged copy runs: the added
// wall time, not the hashing time, is what the user pays (target < 10 %).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { ensureBenchImage, LARGE_IMAGE_PARAMS } from '../lib/image.mjs';
import { median, run as exec, time } from '../lib/util.mjs';

const PHONY_PLUGINS = JSON.parse(readFileSync(new URL('../../../packages/cli/tests/fixtures/phony-guest.config.json', import.meta.url), 'utf8')).plugins;

export const name = 'checksum';
export const title = 'manifest verification on a multi-GiB OVA: migrate() wall with and without (median)';

async function sha256(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk);
  return hash.digest('hex');
}

/** An OVA of the large bench VMDK: an OVF naming it, a SHA256 manifest of both, the disk. */
async function buildOva(ctx) {
  const image = await ensureBenchImage({ cacheDir: ctx.cacheDir, params: LARGE_IMAGE_PARAMS, log: ctx.log });
  const ova = join(image.dir, 'bench-large.ova');
  if (
    await stat(ova).then(
      () => true,
      () => false,
    )
  )
    return { ova, image };
  const dir = join(ctx.scratch, 'checksum-ova');
  await mkdir(dir, { recursive: true });
  const disk = 'bench-large-disk1.vmdk';
  const { size } = await stat(image.vmdk);
  const ovf = (await readFile(new URL('../../../packages/disk/tests/fixtures/vmware-efi.ovf', import.meta.url), 'utf8'))
    .replace('<File ovf:href="web01-disk1.vmdk" ovf:id="file1" ovf:size="131072"/>', `<File ovf:href="${disk}" ovf:id="file1" ovf:size="${size}"/>`)
    .replace(/\s*<File ovf:href="web01-disk2\.vmdk"[^>]*\/>/, '')
    .replace(/\s*<Disk ovf:capacity="67108864" ovf:diskId="vmdisk2"[^>]*\/>/, '')
    .replace(/\s*<Item>\s*<rasd:AddressOnParent>0<\/rasd:AddressOnParent>\s*<rasd:ElementName>Hard disk 2<\/rasd:ElementName>[\s\S]*?<\/Item>/, '')
    .replace('ovf:capacity="64" ovf:capacityAllocationUnits="byte * 2^20"', `ovf:capacity="${image.manifest.virtualSize}" ovf:capacityAllocationUnits="byte"`);
  await writeFile(join(dir, 'bench-large.ovf'), ovf);
  await exec('ln', ['-s', image.vmdk, join(dir, disk)]);
  ctx.log('checksum: hashing the large VMDK for the manifest');
  await writeFile(
    join(dir, 'bench-large.mf'),
    `SHA256(bench-large.ovf)= ${await sha256(join(dir, 'bench-large.ovf'))}\nSHA256(${disk})= ${await sha256(image.vmdk)}\n`,
  );
  await exec('tar', ['--format=ustar', '--dereference', '-C', dir, '-cf', `${ova}.partial`, 'bench-large.ovf', 'bench-large.mf', disk]);
  await exec('mv', [`${ova}.partial`, ova]);
  await rm(dir, { recursive: true, force: true });
  return { ova, image };
}

export async function run(ctx) {
  const { ova } = await buildOva(ctx);
  const p = await ctx.product();
  const { size } = await stat(ova);
  // Warm the page cache once, so both variants read the OVA from memory.
  const hashOnly = await time(() => sha256(ova));
  const runs = { verified: [], skipped: [] };
  for (let i = 0; i < ctx.runs.migrate; i++) {
    for (const variant of i % 2 === 0 ? ['verified', 'skipped'] : ['skipped', 'verified']) {
      ctx.log(`checksum: migrate ${variant} run ${i + 1}/${ctx.runs.migrate}`);
      const outputDir = join(ctx.scratch, `checksum-${variant}-${i}`);
      await ctx.settle();
      const measured = await time(() =>
        p.migrate({ sources: [ova], outputDir, cwd: ctx.scratch, workDir: ctx.scratch, plugins: PHONY_PLUGINS, verifyChecksums: variant === 'verified' }),
      );
      const report = measured.value;
      runs[variant].push({
        wall: measured.seconds,
        verify: (report.timings.verifyChecksums ?? 0) / 1000,
        launch: (report.timings.launch ?? 0) / 1000,
        integrity: report.source.integrity.verification,
      });
      await rm(outputDir, { recursive: true, force: true });
    }
  }
  const verified = median(runs.verified.map((r) => r.wall));
  const skipped = median(runs.skipped.map((r) => r.wall));
  const added = verified - skipped;
  const percent = (added / skipped) * 100;
  ctx.data.checksum = {
    ovaBytes: size,
    hashOnlySeconds: hashOnly.seconds,
    runs,
    verifiedMedian: verified,
    skippedMedian: skipped,
    addedSeconds: added,
    addedPercent: percent,
  };
  ctx.summary.push(
    `checksum verification of a ${(size / 1024 ** 3).toFixed(1)} GiB OVA: migrate ${verified.toFixed(1)} s verified vs ${skipped.toFixed(1)} s skipped → ${added >= 0 ? '+' : ''}${added.toFixed(1)} s (${percent.toFixed(1)} %, target < 10 %)`,
  );
  return [
    { step: 'OVA', detail: `${(size / 1024 ** 3).toFixed(2)} GiB (monolithicSparse VMDK, SHA256 manifest)` },
    { step: 'sha256 of the OVA alone (page cache warm)', seconds: hashOnly.seconds, detail: `${(size / 2 ** 20 / hashOnly.seconds).toFixed(0)} MiB/s` },
    {
      step: 'migrate() wall, verification on',
      seconds: verified,
      detail: `runs ${runs.verified.map((r) => r.wall).join(', ')}; hashing took ${runs.verified.map((r) => r.verify.toFixed(1)).join(', ')} s beside a ${runs.verified.map((r) => r.launch.toFixed(1)).join(', ')} s launch`,
    },
    {
      step: 'migrate() wall, verification off',
      seconds: skipped,
      detail: `runs ${runs.skipped.map((r) => r.wall).join(', ')}; report says ${[...new Set(runs.skipped.map((r) => r.integrity))].join(', ')}`,
    },
    { step: 'added by verification', seconds: added, detail: `${percent.toFixed(1)} % of the migrate (target < 10 %)` },
  ];
}
