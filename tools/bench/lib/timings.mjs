// A migrate report's `timings` (ms per step) as table rows in lifecycle
// order, nested steps indented under their parent: open's parts (launch…),
// fix's parts (`fix.changes`, `fix.fixOffline`, `fix.action:<key>`, which the
// engine records), release's shutdown and convert's copy/commit/checksum.

/** Lifecycle steps with the keys nested under each (a trailing `*` matches the disk number or action key). */
const LIFECYCLE = [
  ['open', ['source', 'overlays', 'launch', 'osInspection', 'esp', 'mount']],
  ['inspect', []],
  ['plan', []],
  ['fix', ['fix.changes', 'fix.fixOffline', 'fix.action:*']],
  ['release', ['shutdown']],
  ['convert', ['copy*', 'copySyncWait*', 'commit*', 'checksum*']],
  ['emit', []],
  ['verify', []],
];

const matches = (pattern, key) => (pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) && key !== pattern.slice(0, -1) : key === pattern);

/**
 * `[{ key, depth, seconds }]` for every key in `timings`, lifecycle order
 * first (nested keys in the report's order), then keys this list does not know.
 */
export function timingRows(timings) {
  const rows = [];
  const seen = new Set();
  const add = (key, depth) => {
    seen.add(key);
    rows.push({ key, depth, seconds: Math.round(timings[key] / 10) / 100 });
  };
  for (const [step, nested] of LIFECYCLE) {
    if (step in timings) add(step, 0);
    for (const pattern of nested) for (const key of Object.keys(timings)) if (!seen.has(key) && matches(pattern, key)) add(key, 1);
  }
  for (const key of Object.keys(timings)) if (!seen.has(key)) add(key, 0);
  return rows;
}

/** Table rows (`{ step, seconds }`) for a report's timings, indented by depth. */
export function timingTableRows(timings) {
  return timingRows(timings).map(({ key, depth, seconds }) => ({ step: `${'  '.repeat(depth + 1)}${key}`, seconds }));
}
