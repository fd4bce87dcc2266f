#!/usr/bin/env node
// hyper2kvm benchmarks.
//
//   npm run bench                         # setup, then every default section
//   node tools/bench/run.mjs [section…]   # only the named sections (--list shows them)
//   node tools/bench/run.mjs --list
//   options: --runs N (conversions and migrations per measurement, default 3 / 2),
//            --rebuild (rebuild the cached image), --json (print the results JSON too)
//
// Prints a table per section and writes tools/bench/.results/latest.json
// (plus a time-stamped copy). Sections live in sections/ (see sections/index.mjs).
import { createReadStream } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBenchImage } from './lib/image.mjs';
import { loadProduct, staleDists } from './lib/product.mjs';
import { fsyncFile, median, nodePeakMiB, printTable, run as exec, time } from './lib/util.mjs';
import { SECTIONS } from './sections/index.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '../..');

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string' },
    rebuild: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help || opts.list) {
  process.stdout.write(
    `usage: node tools/bench/run.mjs [--runs N] [--rebuild] [--json] [section…]\nsections:\n${SECTIONS.map((s) => `  ${s.name.padEnd(10)} ${s.title}${s.defaultRun === false ? ' (only when named)' : ''}`).join('\n')}\n`,
  );
  process.exit(0);
}
const unknown = positionals.filter((n) => !SECTIONS.some((s) => s.name === n));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}
const selected = positionals.length > 0 ? SECTIONS.filter((s) => positionals.includes(s.name)) : SECTIONS.filter((s) => s.defaultRun !== false);
const runsOpt = opts.runs === undefined ? undefined : Number(opts.runs);
if (runsOpt !== undefined && !(Number.isInteger(runsOpt) && runsOpt >= 1 && runsOpt <= 5)) {
  process.stderr.write('bench: --runs takes 1 to 5\n');
  process.exit(2);
}

process.env.LIBGUESTFS_BACKEND ??= 'direct';
const cacheDir = join(BENCH, '.cache');
const resultsDir = join(BENCH, '.results');
await mkdir(cacheDir, { recursive: true });
await mkdir(resultsDir, { recursive: true });
const scratch = await mkdtemp(join(cacheDir, 'run-'));
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** Memoises an async function (so sections share the image, the baseline…). */
const once = (fn) => {
  let promise;
  return () => (promise ??= fn());
};

const ctx = {
  root: ROOT,
  benchDir: BENCH,
  cacheDir,
  scratch,
  runs: { convert: runsOpt ?? 3, migrate: runsOpt ?? 2 },
  log,
  data: {},
  summary: [],
  image: once(async () => {
    const image = await ensureBenchImage({ cacheDir, force: opts.rebuild, log });
    // Every conversion below reads the VMDK from the page cache, not the disk.
    log('reading the VMDK once so every measurement starts with a warm page cache');
    for await (const chunk of createReadStream(image.vmdk, { highWaterMark: 4 * 1024 * 1024 })) void chunk;
    return image;
  }),
  product: once(loadProduct),
  /** Flushes dirty pages of the scratch file system, so one measurement does not pay another's writeback. */
  settle: () => exec('sync', ['-f', scratch]),
  /** The qcow2 overlay hyper2kvm itself would put in front of the VMDK (createOverlays). */
  overlay: once(async () => {
    const image = await ctx.image();
    const p = await ctx.product();
    const { vm } = await p.openSource([image.vmdk]);
    const [overlay] = await p.createOverlays(vm, join(scratch, 'overlay'));
    return overlay.overlayPath;
  }),
  /** Plain `qemu-img convert -O qcow2 -o compat=1.1 src.vmdk out.qcow2`, median of N runs. */
  baseline: once(async () => {
    const image = await ctx.image();
    const out = join(scratch, 'baseline.qcow2');
    const args = ['convert', '-O', 'qcow2', '-o', 'compat=1.1', image.vmdk, out];
    const samples = [];
    const fsyncSamples = [];
    for (let i = 0; i < ctx.runs.convert; i++) {
      log(`baseline: qemu-img convert run ${i + 1}/${ctx.runs.convert}`);
      await ctx.settle();
      samples.push((await exec('qemu-img', args)).seconds);
      // Not part of the baseline: what making its output durable would add (convertDisk fsyncs).
      fsyncSamples.push((await time(() => fsyncFile(out))).seconds);
      await rm(out, { force: true });
    }
    return {
      command: ['qemu-img', ...args.map((a) => a.replace(scratch, '…'))],
      samples,
      median: median(samples),
      fsyncSamples,
      fsyncMedian: median(fsyncSamples),
    };
  }),
};

const stale = await staleDists(ROOT);
if (stale.length > 0) log(`WARNING: dist older than src in ${stale.join(', ')}: run \`npx nx run-many -t build\` (npm run bench does)`);

const startedAt = new Date().toISOString();
const results = { startedAt, finishedAt: '', host: {}, sections: {}, summary: ctx.summary, data: ctx.data };
const qemuVersion = (await exec('qemu-img', ['--version']).catch(() => ({ stdout: '?' }))).stdout.split('\n')[0];
results.host = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  loadavgAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  kernel: release(),
  node: process.version,
  qemuImg: qemuVersion,
  libguestfsBackend: process.env.LIBGUESTFS_BACKEND,
  staleDists: stale,
};
process.stdout.write(`hyper2kvm bench — ${results.host.cpus} CPU (${results.host.cpuModel}), load ${results.host.loadavgAtStart.join(' ')}, ${qemuVersion}\n`);

let failed = false;
try {
  for (const section of selected) {
    const started = performance.now();
    log(`section ${section.name}`);
    try {
      const rows = await section.run(ctx);
      results.sections[section.name] = { title: section.title, seconds: Math.round((performance.now() - started) / 10) / 100, rows };
      printTable(`== ${section.name}: ${section.title}`, rows);
    } catch (error) {
      failed = true;
      results.sections[section.name] = { title: section.title, error: String(error?.stack ?? error) };
      process.stdout.write(`\n== ${section.name}: FAILED: ${error?.message ?? error}\n`);
    }
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}

results.finishedAt = new Date().toISOString();
results.host.loadavgAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
results.host.nodePeakMiB = nodePeakMiB();
if (ctx.summary.length > 0) process.stdout.write(`\n${ctx.summary.join('\n')}\n`);
const json = JSON.stringify(results, null, 2) + '\n';
const latest = join(resultsDir, 'latest.json');
await writeFile(latest, json);
await copyFile(latest, join(resultsDir, `${startedAt.replace(/[:.]/g, '-')}.json`));
process.stdout.write(`\nresults: ${latest}\n`);
if (opts.json) process.stdout.write(json);
process.exitCode = failed ? 1 : 0;
