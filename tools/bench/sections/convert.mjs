// Disk conversion: plain `qemu-img convert` of the VMDK (the baseline) against
// hyper2kvm's convertDisk called directly on a qcow2 overlay of it, plus a
// breakdown of where convertDisk's extra time goes (overlay read, the flags
// convertArguments adds, fsync, SHA-256 of the output).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncFile, median, run as exec, time } from '../lib/util.mjs';

export const name = 'convert';
export const title = 'Conversion: hyper2kvm convertDisk vs plain qemu-img (page cache warm, median)';

export async function run(ctx) {
  const image = await ctx.image();
  const p = await ctx.product();
  const baseline = await ctx.baseline();
  const overlay = await ctx.overlay();
  const out = join(ctx.scratch, 'convert-out.qcow2');
  const productOptions = { from: overlay, fromFormat: 'qcow2', to: out, format: 'qcow2', parallel: { coroutines: 8 } };
  const productArgs = p.convertArguments(productOptions, overlay, out);
  // An overlay like the one migrate converts: the appliance has written to it (here: one 64 KiB cluster).
  const written = join(ctx.scratch, 'overlay-written.qcow2');
  await exec('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'vmdk', '-b', image.vmdk, written]);
  await exec('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 1M 64k', written]);
  const writtenArgs = p.convertArguments({ ...productOptions, from: written }, written, out);
  const vmdkArgs = p.convertArguments({ ...productOptions, from: image.vmdk, fromFormat: 'vmdk' }, image.vmdk, out);
  const samples = {
    convertDisk: [],
    productArgsOverlay: [],
    plainArgsOverlay: [],
    productArgsVmdk: [],
    fsync: [],
    sha256: [],
    overlapped: [],
    writtenOverlay: [],
  };

  for (let i = 0; i < ctx.runs.convert; i++) {
    ctx.log(`convert: run ${i + 1}/${ctx.runs.convert}`);
    await ctx.settle();
    const direct = await time(() => p.convertDisk(productOptions));
    samples.convertDisk.push(direct.seconds);
    await rm(out, { force: true });
    // The same work, taken apart: qemu-img with the product's exact command line, then fsync, then SHA-256.
    await ctx.settle();
    samples.productArgsOverlay.push((await exec('qemu-img', productArgs)).seconds);
    samples.fsync.push((await time(() => fsyncFile(out))).seconds);
    samples.sha256.push((await time(() => p.sha256File(out))).seconds);
    await rm(out, { force: true });
    // The proposed fix: fsync and hash at the same time (one is I/O, the other CPU).
    await ctx.settle();
    samples.overlapped.push(
      (
        await time(async () => {
          await exec('qemu-img', productArgs);
          await Promise.all([fsyncFile(out), p.sha256File(out)]);
        })
      ).seconds,
    );
    await rm(out, { force: true });
    // Which half of the difference is the overlay, which the flags.
    await ctx.settle();
    samples.plainArgsOverlay.push((await exec('qemu-img', ['convert', '-O', 'qcow2', '-o', 'compat=1.1', overlay, out])).seconds);
    await rm(out, { force: true });
    await ctx.settle();
    samples.productArgsVmdk.push((await exec('qemu-img', vmdkArgs)).seconds);
    await rm(out, { force: true });
    await ctx.settle();
    samples.writtenOverlay.push((await exec('qemu-img', writtenArgs)).seconds);
    await rm(out, { force: true });
  }
  const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  const ratio = med.convertDisk / baseline.median;
  ctx.data.convert = { baseline, productArgs: ['qemu-img', ...productArgs], samples, median: med, ratio };
  ctx.summary.push(
    `convert (convertDisk direct): hyper2kvm ${med.convertDisk.toFixed(1)} s vs qemu-img ${baseline.median.toFixed(1)} s → ratio ${ratio.toFixed(2)} (target ≤ 1.05)`,
  );
  return [
    {
      step: 'qemu-img convert vmdk → qcow2 (baseline)',
      seconds: baseline.median,
      detail: `runs ${baseline.samples.join(', ')}; ${baseline.command.join(' ')}`,
    },
    {
      step: 'baseline + fsync of its output',
      seconds: Math.round((baseline.median + baseline.fsyncMedian) * 100) / 100,
      detail: `fsync ${baseline.fsyncMedian} s: the durability convertDisk pays and plain qemu-img does not`,
    },
    { step: 'convertDisk(overlay) total', seconds: med.convertDisk, detail: `runs ${samples.convertDisk.join(', ')}; ratio ${ratio.toFixed(2)} vs baseline` },
    {
      step: '  qemu-img, product args, from overlay',
      seconds: med.productArgsOverlay,
      detail: `ratio ${(med.productArgsOverlay / baseline.median).toFixed(2)}; ` + `qemu-img ${productArgs.join(' ').replaceAll(ctx.scratch, '…')}`,
    },
    { step: '  fsync of the output', seconds: med.fsync },
    { step: '  sha256 of the output', seconds: med.sha256 },
    {
      step: 'qemu-img + (fsync ‖ sha256) overlapped',
      seconds: med.overlapped,
      detail: `proposed convertDisk ending; ratio ${(med.overlapped / baseline.median).toFixed(2)}`,
    },
    { step: 'qemu-img, baseline args, from overlay', seconds: med.plainArgsOverlay, detail: 'isolates the overlay (qcow2 over vmdk) cost' },
    { step: 'qemu-img, product args, from vmdk', seconds: med.productArgsVmdk, detail: 'isolates the -m 8 -W -S 4k -p flags' },
    {
      step: 'qemu-img, product args, written overlay',
      seconds: med.writtenOverlay,
      detail: `overlay with ONE 64 KiB cluster written (as after fix); ratio ${(med.writtenOverlay / baseline.median).toFixed(2)}`,
    },
  ];
}
