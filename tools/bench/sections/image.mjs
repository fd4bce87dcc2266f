// The bench guest image: built once, cached by the hash of its builder.
export const name = 'image';
export const title = 'Test image (4 GiB raw → VMDK monolithicSparse, ~1 GiB data)';

export async function run(ctx) {
  const image = await ctx.image();
  const m = image.manifest;
  ctx.data.image = { path: image.vmdk, cached: image.cached, ...m };
  const rows = [{ step: image.cached ? 'build (cached; time of the original build)' : 'build', seconds: m.buildSeconds, detail: `${m.name}-${m.hash}` }];
  for (const [step, seconds] of Object.entries(m.steps)) rows.push({ step: `  ${step}`, seconds });
  rows.push({ step: 'vmdk size', detail: `${(m.vmdkBytes / 1024 ** 3).toFixed(2)} GiB allocated, ${(m.virtualSize / 1024 ** 3).toFixed(0)} GiB virtual` });
  return rows;
}
