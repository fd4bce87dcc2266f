// The whole migrate() API on the bench VMDK: per-step timings from the
// report, appliance launches, the convert step against plain qemu-img, and
// peak memory of Node and of the qemu processes it starts.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { median, nodePeakMiB, ProcessMemorySampler, time } from '../lib/util.mjs';
import { timingRows } from '../lib/timings.mjs';

/** The bench guest is phony (placeholder binaries): use the plugins that do not run guest tools. */
const PHONY_PLUGINS = JSON.parse(readFileSync(new URL('../../../packages/cli/tests/fixtures/phony-guest.config.json', import.meta.url), 'utf8')).plugins;

export const name = 'migrate';
export const title = 'migrate() API: per-step timings from the report (median)';

export async function run(ctx) {
  const image = await ctx.image();
  const p = await ctx.product();
  const baseline = await ctx.baseline();
  const runs = [];
  for (let i = 0; i < ctx.runs.migrate; i++) {
    ctx.log(`migrate: run ${i + 1}/${ctx.runs.migrate}`);
    const outputDir = join(ctx.scratch, `migrate-${i}`);
    const workDir = join(ctx.scratch, `migrate-${i}-work`);
    await mkdir(workDir, { recursive: true });
    const sampler = new ProcessMemorySampler({ intervalMs: 200, match: [workDir] }).start();
    let measured;
    try {
      measured = await time(() => p.migrate({ sources: [image.vmdk], outputDir, cwd: ctx.scratch, workDir, plugins: PHONY_PLUGINS }));
    } finally {
      runs.push({ memory: sampler.stop() });
    }
    const report = measured.value;
    Object.assign(runs.at(-1), {
      wall: measured.seconds,
      status: report.status,
      applianceLaunches: report.applianceLaunches,
      timings: report.timings,
      outputs: report.outputs.map(({ path, bytes, format }) => ({ path, bytes, format })),
      nodePeakMiB: nodePeakMiB(),
    });
    await rm(outputDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  }
  const stepMedian = (key) => median(runs.map((r) => (r.timings[key] === undefined ? NaN : r.timings[key] / 1000)));
  const convert = stepMedian('convert');
  const ratio = convert / baseline.median;
  const launches = [...new Set(runs.map((r) => r.applianceLaunches))];
  const peak = (comm) => Math.max(0, ...runs.map((r) => r.memory[comm]?.peakMiB ?? 0));
  const qemuSystem = Object.keys(Object.assign({}, ...runs.map((r) => r.memory))).filter((c) => c.startsWith('qemu-system'));
  ctx.data.migrate = { runs, wallMedian: median(runs.map((r) => r.wall)), convertMedian: convert, baseline, ratio };
  // The whole conversion work, wherever it ran: the bulk copy (overlapped with the repair) plus the step after it.
  const work = stepMedian('copy1') + convert;
  const workRatio = work / (baseline.median + baseline.fsyncMedian);
  ctx.data.migrate.work = { seconds: work, ratio: workRatio };
  ctx.summary.push(
    `convert step (after the repair, on the critical path): hyper2kvm ${convert.toFixed(2)} s vs qemu-img ${baseline.median.toFixed(2)} s → ratio ${ratio.toFixed(2)} (target ≤ 1.05)`,
  );
  ctx.summary.push(
    `conversion work in total (bulk copy during the repair + convert step): ${work.toFixed(2)} s vs qemu-img + fsync ${(baseline.median + baseline.fsyncMedian).toFixed(2)} s → ratio ${workRatio.toFixed(2)}`,
  );
  ctx.summary.push(`appliance launches per VM: ${launches.join(', ')}${launches.length === 1 && launches[0] === 1 ? ' (ok)' : ' (EXPECTED 1)'}`);

  const rows = [
    {
      step: 'migrate() wall',
      seconds: ctx.data.migrate.wallMedian,
      detail: `runs ${runs.map((r) => r.wall).join(', ')}; status ${runs.map((r) => r.status).join(', ')}`,
    },
  ];
  for (const { key, depth } of timingRows(runs[0].timings)) {
    const s = stepMedian(key);
    if (Number.isNaN(s)) continue;
    rows.push({
      step: `${'  '.repeat(depth + 1)}${key}`,
      seconds: s,
      detail:
        key === 'convert'
          ? `runs ${runs.map((r) => r.timings.convert / 1000).join(', ')}; ratio ${ratio.toFixed(2)} vs qemu-img ${baseline.median.toFixed(2)} s`
          : '',
    });
  }
  rows.push(
    { step: 'appliance launches', detail: runs.map((r) => r.applianceLaunches).join(', ') },
    { step: 'output disk', detail: runs[0].outputs.map((o) => `${o.format} ${(o.bytes / 1024 ** 3).toFixed(2)} GiB`).join(', ') },
    { step: 'peak RSS node (maxRSS)', detail: `${Math.max(...runs.map((r) => r.nodePeakMiB))} MiB (whole bench process so far)` },
    ...qemuSystem.map((comm) => ({ step: `peak RSS ${comm} (appliance)`, detail: `${peak(comm)} MiB (VmHWM, sampled every 200 ms)` })),
    { step: 'peak RSS qemu-img (largest of the run)', detail: peak('qemu-img') ? `${peak('qemu-img')} MiB` : 'not seen' },
  );
  if (qemuSystem.length === 0) rows.push({ step: 'peak RSS appliance', detail: 'no qemu-system process seen (sampling missed it?)' });
  return rows;
}
