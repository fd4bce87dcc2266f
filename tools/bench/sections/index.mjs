// The bench sections, in the order `run.mjs` runs them. A section is a module
// exporting `name`, `title` and `async function run(ctx)` that returns rows
// `{ step, seconds?, detail?, data? }`; it may put structured results in
// `ctx.data[name]` and one-line verdicts in `ctx.summary`. To add one, write
// sections/<name>.mjs and list it here. Sections marked `defaultRun: false`
// run only when named. virt-v2v is compared inside `bootable` and `windows`
// (on real guests it can convert), not on the phony bench VMDK.
import * as image from './image.mjs';
import * as convert from './convert.mjs';
import * as migrate from './migrate.mjs';
import * as inspect from './inspect.mjs';
import * as batch from './batch.mjs';
import * as bootable from './bootable.mjs';
import * as windows from './windows.mjs';
import * as checksum from './checksum.mjs';
import * as scale from './scale.mjs';

export const SECTIONS = [image, convert, migrate, inspect, batch, checksum, bootable, windows, scale];
