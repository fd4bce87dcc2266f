// virt-v2v on the same VMDK, for comparison, only when it is installed (the
// bench never installs it).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { run as exec, which } from '../lib/util.mjs';

export const name = 'virt-v2v';
export const title = 'virt-v2v -i disk -o local (if installed)';

export async function run(ctx) {
  if (!which('virt-v2v')) {
    ctx.summary.push('virt-v2v not installed: skipped');
    ctx.data['virt-v2v'] = { skipped: 'not installed' };
    return [{ step: 'virt-v2v', detail: 'virt-v2v not installed: skipped' }];
  }
  const image = await ctx.image();
  const out = join(ctx.scratch, 'virt-v2v');
  await mkdir(out, { recursive: true });
  ctx.log('virt-v2v: converting');
  const { seconds } = await exec('virt-v2v', ['-i', 'disk', image.vmdk, '-o', 'local', '-os', out]);
  await rm(out, { recursive: true, force: true });
  const ours = ctx.data.migrate?.wallMedian;
  const ratio = ours ? ours / seconds : undefined;
  ctx.data['virt-v2v'] = { seconds, hyper2kvmMigrateWall: ours, ratio };
  ctx.summary.push(ratio ? `virt-v2v: ${seconds.toFixed(1)} s vs hyper2kvm migrate ${ours.toFixed(1)} s → ratio hyper2kvm/virt-v2v ${ratio.toFixed(2)}` : `virt-v2v: ${seconds.toFixed(1)} s (run the migrate section for a ratio)`);
  return [{ step: 'virt-v2v wall', seconds, detail: ratio ? `hyper2kvm/virt-v2v ${ratio.toFixed(2)}` : '' }];
}
