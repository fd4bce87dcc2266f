// `batch()` over several phony VMs (test-images: ubuntu-2204 OVA and VMDK,
// debian-11 VHDX, rhel-9 VMX) at parallel 1 and at parallel 2: wall time,
// speed-up, per-VM times and peak memory per appliance (VmHWM of each
// qemu-system process, sampled from /proc). Appliances are what a batch pays for.
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodePeakMiB, ProcessMemorySampler } from '../lib/util.mjs';

export const name = 'batch';
export const title = 'batch(): phony VMs at parallel 1 and 2 (wall, speed-up, memory per appliance)';

const LEVELS = [1, 2];

/** The VMs: one source file each, linked into the batch's own folder. */
async function sources(ctx) {
  const { ensureImage } = await import(pathToFileURL(join(ctx.root, 'test-images/build.mjs')).href);
  const quiet = { log: () => undefined };
  const ubuntu = await ensureImage('ubuntu-2204', quiet);
  const debian = await ensureImage('debian-11', quiet);
  const rhel = await ensureImage('rhel-9', quiet);
  return { 'ubuntu-ova.ova': ubuntu.files.ova, 'ubuntu-vmdk.vmdk': ubuntu.files.vmdk, 'debian.vhdx': debian.files.vhdx, 'rhel.vmx': rhel.files.vmx };
}

async function runLevel(ctx, batch, files, parallel) {
  const dir = join(ctx.scratch, `batch-p${parallel}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'src'), { recursive: true });
  for (const [file, target] of Object.entries(files)) await symlink(target, join(dir, 'src', file));
  // rhel-9's VMX names its disk relative to itself; link the disk beside it too.
  await symlink(files['rhel.vmx'].replace(/\.vmx$/, '.vmdk'), join(dir, 'src', 'rhel-9.vmdk'));
  await writeFile(
    join(dir, 'migrations.yaml'),
    `migrations:\n  - name: phony\n    source_pattern: ["src/*.ova", "src/ubuntu-vmdk.vmdk", "src/*.vhdx", "src/*.vmx"]\n    output_dir: out\n    parallel: ${parallel}\n`,
  );
  await ctx.settle();
  const sampler = new ProcessMemorySampler({ intervalMs: 200, match: [dir] }).start();
  let peakConcurrent = 0;
  let running = 0;
  const result = await batch({
    file: join(dir, 'migrations.yaml'),
    parallel,
    onEvent: (event) => {
      if (event.type === 'vm-start') peakConcurrent = Math.max(peakConcurrent, ++running);
      if (event.type === 'vm-end') running--;
    },
  });
  const memory = sampler.stop();
  await rm(dir, { recursive: true, force: true });
  return { parallel, result, memory, peakConcurrent };
}

export async function run(ctx) {
  const { batch } = await import('@hyper2kvm/cli');
  const files = await sources(ctx);
  const levels = [];
  for (const parallel of LEVELS) {
    ctx.log(`batch: ${Object.keys(files).length} VMs at parallel ${parallel}`);
    levels.push(await runLevel(ctx, batch, files, parallel));
  }
  const seconds = (ms) => Math.round(ms / 10) / 100;
  const base = levels[0].result.ms;
  const appliancePeaks = levels.map((level) =>
    Object.entries(level.memory)
      .filter(([comm]) => comm.startsWith('qemu-system'))
      .map(([, value]) => value.peakMiB),
  );
  const perAppliance = Math.max(0, ...appliancePeaks.flat());
  const totalMiB = Math.round(totalmem() / 1024 ** 2);
  ctx.data.batch = {
    vms: Object.keys(files),
    levels: levels.map((level) => ({
      parallel: level.parallel,
      wallSeconds: seconds(level.result.ms),
      speedUp: Math.round((base / level.result.ms) * 100) / 100,
      peakConcurrent: level.peakConcurrent,
      counts: level.result.counts,
      vms: level.result.vms.map((vm) => ({ id: vm.id, status: vm.status, seconds: seconds(vm.ms), error: vm.error?.message })),
      memory: level.memory,
    })),
    perApplianceMiB: perAppliance,
    hostMiB: totalMiB,
  };
  const rows = [];
  for (const level of levels) {
    const statuses = Object.entries(level.result.counts)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    rows.push({
      step: `parallel ${level.parallel}: wall`,
      seconds: seconds(level.result.ms),
      detail: `${statuses}; speed-up ×${(base / level.result.ms).toFixed(2)} vs parallel 1; ${level.peakConcurrent} VM(s) at once at most`,
    });
    for (const vm of level.result.vms)
      rows.push({ step: `  ${vm.id}`, seconds: seconds(vm.ms), detail: vm.status + (vm.error ? `: ${vm.error.message}` : '') });
    for (const [comm, value] of Object.entries(level.memory))
      rows.push({ step: `  peak RSS ${comm}`, detail: `${value.peakMiB} MiB (largest of ${value.processes} process(es), VmHWM)` });
  }
  rows.push({ step: 'peak RSS node (maxRSS)', detail: `${nodePeakMiB()} MiB (whole bench process so far)` });
  const parallelBest = levels.at(-1);
  ctx.summary.push(
    `batch: ${Object.keys(files).length} VMs in ${seconds(base)} s at parallel 1, ${seconds(parallelBest.result.ms)} s at parallel ${parallelBest.parallel} (×${(base / parallelBest.result.ms).toFixed(2)}); peak ${perAppliance} MiB per appliance → memory alone allows ~${perAppliance ? Math.floor((totalMiB * 0.8) / perAppliance) : '?'} appliances in ${Math.round(totalMiB / 1024)} GiB (80 %), CPU is the limit on this host`,
  );
  return rows;
}
