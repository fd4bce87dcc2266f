// The inspect() API on the bench VMDK: one appliance launch, OS inspection.
import { time } from '../lib/util.mjs';

export const name = 'inspect';
export const title = 'inspect() API';

export async function run(ctx) {
  const image = await ctx.image();
  const p = await ctx.product();
  ctx.log('inspect: running inspect()');
  const { seconds, value } = await time(() => p.inspect({ sources: [image.vmdk], cwd: ctx.scratch }));
  const f = value.facts;
  const recognised = f.os.type === 'linux' && f.linux?.distro === 'ubuntu';
  ctx.data.inspect = {
    seconds,
    applianceLaunches: value.applianceLaunches,
    timings: value.timings,
    os: f.os,
    distro: f.linux?.distro,
    version: f.linux?.version,
    recognised,
  };
  if (!recognised) ctx.summary.push(`inspect: the bench guest was NOT recognised as Ubuntu (os ${f.os.type}, distro ${f.linux?.distro})`);
  return [
    {
      step: 'inspect() wall',
      seconds,
      detail: `${f.os.type}/${f.linux?.distro} ${f.linux?.version?.major}.${f.linux?.version?.minor} "${f.os.productName}" host ${f.os.hostname}; ${recognised ? 'recognised' : 'NOT RECOGNISED'}`,
    },
    ...Object.entries(value.timings).map(([step, ms]) => ({ step: `  ${step}`, seconds: ms / 1000 })),
    { step: 'appliance launches', detail: `${value.applianceLaunches}${value.applianceLaunches === 1 ? ' (ok)' : ' (EXPECTED 1)'}` },
  ];
}
