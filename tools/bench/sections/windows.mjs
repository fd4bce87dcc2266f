// A Windows migrate: test-images' phony windows-2022 through migrate() with
// the Windows plugins the e2e test uses (windows-virtio with the fake
// virtio-win ISO as VIRTIO_WIN, libvirt-xml), wall per step from the report.
// Then, if installed, virt-v2v on the same VMDK with VIRTIO_WIN at the fake
// virtio-win tree (issue #5). The guest is phony (placeholder binaries, a
// nearly full system volume): virt-v2v may refuse it, and then its own error
// is the result, with no ratio.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stepLogger, time } from '../lib/util.mjs';
import { timingTableRows } from '../lib/timings.mjs';
import { runVirtV2v, virtV2vMissing, virtV2vRows } from '../lib/virt-v2v.mjs';

export const name = 'windows';
export const title = 'migrate() of the phony Windows Server 2022 (windows-virtio, fake virtio-win), then virt-v2v on it';

/** As packages/cli/tests/migrate-windows.test.ts: the plugins that work on a phony Windows guest. */
const WINDOWS_PLUGINS = ['@hyper2kvm/plugin-windows-virtio', '@hyper2kvm/plugin-libvirt-xml'];

/** Runs `fn` with VIRTIO_WIN set, then puts the previous value back (the bench process is shared by every section). */
async function withVirtioWin(path, fn) {
  const previous = process.env.VIRTIO_WIN;
  process.env.VIRTIO_WIN = path;
  try {
    return await fn();
  } finally {
    if (previous === undefined) delete process.env.VIRTIO_WIN;
    else process.env.VIRTIO_WIN = previous;
  }
}

export async function run(ctx) {
  const { ensureImage } = await import(pathToFileURL(join(ctx.root, 'test-images/build.mjs')).href);
  const quiet = { log: () => undefined };
  const image = await ensureImage('windows-2022', quiet);
  const virtioWin = await ensureImage('virtio-win', quiet);
  const vmdk = image.files.vmdk;
  const p = await ctx.product();
  const outputDir = join(ctx.scratch, 'windows-out');
  const workDir = join(ctx.scratch, 'windows-work');
  await mkdir(workDir, { recursive: true });

  ctx.log('windows: migrate (windows-virtio, libvirt-xml; VIRTIO_WIN = the fake ISO)');
  await ctx.settle();
  let measured;
  try {
    measured = await withVirtioWin(virtioWin.files.iso, () =>
      time(() => p.migrate({ sources: [vmdk], outputDir, workDir, cwd: ctx.root, plugins: WINDOWS_PLUGINS, onProgress: stepLogger(ctx.log, 'windows') })),
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const report = measured.value;
  await rm(outputDir, { recursive: true, force: true });
  const timings = report.timings;
  const fix = timings.fix / 1000;
  ctx.data.windows = {
    image: vmdk,
    virtioWin: virtioWin.files.iso,
    wall: measured.seconds,
    status: report.status,
    applianceLaunches: report.applianceLaunches,
    timings,
    changes: report.plan?.changes?.length,
  };
  const rows = [
    {
      step: 'hyper2kvm migrate() wall',
      seconds: measured.seconds,
      detail: `status ${report.status}; ${report.plan?.changes?.length ?? '?'} changes; appliance launches ${report.applianceLaunches}`,
    },
    ...timingTableRows(timings),
  ];
  ctx.summary.push(`windows: hyper2kvm migrate ${measured.seconds.toFixed(1)} s (fix ${fix.toFixed(1)} s), status ${report.status}`);

  const missing = virtV2vMissing();
  if (missing) {
    ctx.data.windows.virtV2v = { skipped: missing };
    ctx.summary.push(`windows: ${missing}: no virt-v2v comparison`);
    rows.push({ step: 'virt-v2v', detail: `${missing}: skipped` });
    return rows;
  }
  // virt-v2v takes the tree the ISO was made from (it accepts a folder or an ISO).
  ctx.log('windows: virt-v2v on the same VMDK (VIRTIO_WIN = the fake tree)');
  await ctx.settle();
  const v2v = await runVirtV2v({
    input: 'disk',
    source: vmdk,
    outDir: join(ctx.scratch, 'windows-virt-v2v'),
    env: { VIRTIO_WIN: virtioWin.files.tree },
    log: ctx.log,
  });
  ctx.data.windows.virtV2v = v2v;
  rows.push(...virtV2vRows(v2v));
  if (!v2v.ok) {
    ctx.summary.push(`windows: virt-v2v FAILED on the phony guest after ${v2v.seconds.toFixed(1)} s: ${v2v.error} (no ratio)`);
    return rows;
  }
  const ratio = fix / v2v.phases.conversion;
  ctx.data.windows.fixOverConversion = ratio;
  rows.push(
    { step: 'ratio fix / virt-v2v conversion', detail: `${fix.toFixed(1)} / ${v2v.phases.conversion.toFixed(1)} = ${ratio.toFixed(2)}` },
    {
      step: 'ratio walls hyper2kvm / virt-v2v',
      detail: `${measured.seconds.toFixed(1)} / ${v2v.seconds.toFixed(1)} = ${(measured.seconds / v2v.seconds).toFixed(2)}`,
    },
  );
  ctx.summary.push(
    `windows: fix ${fix.toFixed(1)} s vs virt-v2v conversion ${v2v.phases.conversion.toFixed(1)} s → ratio ${ratio.toFixed(2)}; walls ${measured.seconds.toFixed(1)} s vs ${v2v.seconds.toFixed(1)} s`,
  );
  return rows;
}
