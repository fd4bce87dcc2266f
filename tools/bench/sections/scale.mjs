// How the cost grows with the data (issue #15): the bench guest built with
// 1, 4 and 16 GiB of incompressible data, each migrated (phony plugins, as
// the migrate section) and converted by plain qemu-img. What hyper2kvm adds
// over the copy must stay flat, and so must its memory. Needs about 3× the
// largest size free in the cache folder; each image is deleted after use
// unless it is the default bench image.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { ensureBenchImage, IMAGE_PARAMS } from '../lib/image.mjs';
import { dropPageCache, fsyncFile, nodePeakMiB, ProcessMemorySampler, run as exec, time } from '../lib/util.mjs';

const PHONY_PLUGINS = JSON.parse(readFileSync(new URL('../../../packages/cli/tests/fixtures/phony-guest.config.json', import.meta.url), 'utf8')).plugins;

export const name = 'scale';
export const title = 'migrate() and qemu-img convert with 1, 4 and 16 GiB of data: added cost and peak memory per size';
/** ~10 min and ~50 GiB of scratch space at 16 GiB. */
export const defaultRun = false;

/** Data sizes in GiB; the disk is 2 GiB larger. */
const SIZES = [1, 4, 16];

export async function run(ctx) {
  const p = await ctx.product();
  const rows = [];
  const results = [];
  for (const gib of SIZES) {
    const params = { ...IMAGE_PARAMS, name: `ubuntu-bench-scale-${gib}g`, diskGiB: gib + 2, dataFiles: gib * 16, dataFileMiB: 64 };
    const image = await ensureBenchImage({ cacheDir: ctx.cacheDir, log: ctx.log, params });
    try {
      const baselineOut = join(ctx.scratch, `scale-${gib}.qcow2`);
      // Both measurements start cold (the source read from disk, nothing of
      // the other run left in the page cache), and both end durable: migrate
      // fsyncs its output, so the copy it is compared with does too. Without
      // that, at 16 GiB the copy "ends" with most of its output still dirty
      // in RAM and the write-out is charged to migrate alone.
      const cold = await dropPageCache();
      ctx.log(`scale: qemu-img convert + fsync, ${gib} GiB of data${cold ? ', cold cache' : ''}`);
      const copy = await time(async () => {
        await exec('qemu-img', ['convert', '-O', 'qcow2', '-o', 'compat=1.1', image.vmdk, baselineOut]);
        await fsyncFile(baselineOut);
      });
      await rm(baselineOut, { force: true });

      const outputDir = join(ctx.scratch, `scale-${gib}-out`);
      const workDir = join(ctx.scratch, `scale-${gib}-work`);
      await mkdir(workDir, { recursive: true });
      await dropPageCache();
      ctx.log(`scale: migrate, ${gib} GiB of data`);
      const sampler = new ProcessMemorySampler({ intervalMs: 200, match: [workDir, outputDir] }).start();
      let measured;
      let memory;
      try {
        measured = await time(() => p.migrate({ sources: [image.vmdk], outputDir, workDir, cwd: ctx.scratch, plugins: PHONY_PLUGINS }));
      } finally {
        memory = sampler.stop();
        await rm(outputDir, { recursive: true, force: true });
        await rm(workDir, { recursive: true, force: true });
      }
      const qemuPeak = Math.max(0, ...Object.entries(memory).filter(([comm]) => comm.startsWith('qemu')).map(([, value]) => value.peakMiB));
      const result = {
        gib,
        coldCache: cold,
        qemuImg: copy.seconds,
        migrate: measured.seconds,
        added: measured.seconds - copy.seconds,
        status: measured.value.status,
        // Where the added time went (copy during the repair, the convert step, fsync, checksums).
        timings: measured.value.timings,
        nodePeakMiB: nodePeakMiB(),
        qemuPeakMiB: qemuPeak,
        memory,
      };
      results.push(result);
      rows.push({
        step: `${gib} GiB: migrate() wall`,
        seconds: result.migrate,
        detail: `qemu-img convert + fsync ${result.qemuImg.toFixed(1)} s, added ${result.added.toFixed(1)} s; status ${result.status}; peak RSS node ${result.nodePeakMiB} MiB (bench process so far), qemu ${qemuPeak} MiB`,
      });
      rows.push({ step: `${gib} GiB: where migrate's time went`, detail: breakdown(result.timings) });
    } finally {
      await rm(image.dir, { recursive: true, force: true });
    }
  }
  ctx.data.scale = results;
  const [first, , last] = results;
  ctx.summary.push(
    `scale: added over qemu-img ${results.map((r) => `${r.gib} GiB ${r.added.toFixed(1)} s`).join(', ')}; peak qemu RSS ${results.map((r) => `${r.qemuPeakMiB} MiB`).join(' / ')}; node ${first.nodePeakMiB} → ${last.nodePeakMiB} MiB`,
  );
  return rows;
}

/** The report timings that tell a constant cost from one that grows: the repair, the copy overlapped with it, and what came after. */
function breakdown(timings = {}) {
  const seconds = (key) => (typeof timings[key] === 'number' ? `${(timings[key] / 1000).toFixed(1)} s` : '–');
  return ['open', 'fix', 'copy1', 'copySyncWait1', 'commit1', 'checksum1', 'convert', 'emit'].map((key) => `${key} ${seconds(key)}`).join(', ');
}
