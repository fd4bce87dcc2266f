// virt-v2v, for comparison, only when it is installed (the bench never
// installs it or what it needs). Runs `virt-v2v -i disk|vmx SRC -o local -os
// DIR -of qcow2` under the same libguestfs settings the tests use (direct
// backend, TCG forced: KVM hangs on the shared hosts) and splits its wall
// time by the timed progress lines it prints (`[  12.3] Inspecting the
// source`), so its conversion can be set against hyper2kvm's fix.
import { mkdir, rm } from 'node:fs/promises';
import { run as exec, which } from './util.mjs';

/** Progress lines: `[ 114.1] Inspecting the source`. */
const STAMP = /^\[\s*(\d+(?:\.\d+)?)\]\s+(.+)$/;

/** The timed progress lines of virt-v2v's output, in order: `{ at, message }` (at: seconds since its start). */
export function parseStamps(output) {
  const stamps = [];
  for (const line of output.split('\n')) {
    const match = STAMP.exec(line.trim());
    if (match) stamps.push({ at: Number(match[1]), message: match[2].trim() });
  }
  return stamps;
}

/** Seconds between the first stamp whose message starts with one of `from` and the first after it starting with `to` (or the end). */
function span(stamps, from, to, end) {
  const start = stamps.findIndex((s) => from.some((f) => s.message.startsWith(f)));
  if (start === -1) return undefined;
  const stop = stamps.findIndex((s, i) => i > start && to.some((t) => s.message.startsWith(t)));
  if (stop === -1) return end === undefined ? undefined : round(end - stamps[start].at);
  return round(stamps[stop].at - stamps[start].at);
}

const round = (s) => Math.round(s * 100) / 100;

/**
 * virt-v2v's phases from its stamps. `conversion`: from opening the source
 * (appliance launch, inspection, the guest conversion, trimming) to the disk
 * copy; `convertGuest`: only its "Converting … to run on KVM" stage, the
 * closest match to hyper2kvm's fix; `copy`: the disk copy. `steps`: every
 * stamp with the time until the next one (the last runs to `wall`).
 * A phase the run never reached is undefined.
 */
export function splitPhases(stamps, wall) {
  const steps = stamps.map((s, i) => ({ message: s.message, at: s.at, seconds: round((stamps[i + 1]?.at ?? wall) - s.at) }));
  const copying = stamps.some((s) => s.message.startsWith('Copying disk'));
  return {
    steps,
    conversion: copying ? span(stamps, ['Opening the source', 'Inspecting the source'], ['Copying disk']) : undefined,
    convertGuest: span(stamps, ['Converting '], ['Mapping filesystem', 'Closing the overlay', 'Assigning disks', 'Copying disk']),
    copy: copying ? span(stamps, ['Copying disk'], ['Creating output metadata', 'Finishing off'], wall) : undefined,
  };
}

/** virt-v2v's own error (`virt-v2v: error: …`, possibly wrapped over lines) in one line, else the last non-empty line. */
export function errorLine(output) {
  const lines = output.split('\n');
  const at = lines.findIndex((line) => /^virt-v2v: error: /.test(line));
  if (at !== -1) {
    const message = [];
    for (const line of lines.slice(at)) {
      if (line.trim() === '') break;
      message.push(line.trim());
    }
    return message.join(' ');
  }
  return (
    lines
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1) ?? '(no output)'
  );
}

/** Why virt-v2v cannot run here, or null: the program itself, and nbdkit/nbdcopy it needs but Debian's package does not depend on. */
export function virtV2vMissing() {
  if (!which('virt-v2v')) return 'virt-v2v not installed';
  const missing = ['nbdkit', 'nbdcopy'].filter((tool) => !which(tool));
  return missing.length > 0 ? `virt-v2v is installed but needs ${missing.join(' and ')} (not installed)` : null;
}

/**
 * Runs virt-v2v once into a fresh `outDir` (removed afterwards). Never throws
 * for a failed conversion: returns `{ ok: false, error }` with the stamps it
 * reached.
 * @param {{ input: 'disk' | 'vmx', source: string, outDir: string, env?: Record<string, string>, log?: (line: string) => void }} options
 */
export async function runVirtV2v({ input, source, outDir, env = {}, log = () => undefined }) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const args = ['-i', input, source, '-o', 'local', '-os', outDir, '-of', 'qcow2'];
  log(`virt-v2v ${args.join(' ')}`);
  try {
    const result = await exec('virt-v2v', args, {
      env: { LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg', ...env },
      quiet: false,
      reject: false,
    });
    const output = `${result.stdout}\n${result.stderr}`;
    const stamps = parseStamps(output);
    const ok = result.code === 0;
    return {
      ok,
      code: result.code,
      seconds: result.seconds,
      command: ['virt-v2v', ...args],
      stamps,
      phases: splitPhases(stamps, result.seconds),
      ...(ok ? {} : { error: errorLine(output) }),
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** Table rows for one virt-v2v run: its wall and status, each progress stage, then the phases. */
export function virtV2vRows(v2v) {
  return [
    { step: 'virt-v2v wall', seconds: v2v.seconds, detail: v2v.ok ? 'converted' : `FAILED (exit ${v2v.code}): ${v2v.error}` },
    ...v2v.phases.steps.map((s) => ({
      step: `  [${s.at.toFixed(1)}] ${s.message.length > 48 ? `${s.message.slice(0, 47)}…` : s.message}`,
      seconds: s.seconds,
    })),
    {
      step: '  conversion phase (open → copy)',
      seconds: v2v.phases.conversion,
      detail: v2v.phases.conversion === undefined ? 'not reached' : 'appliance launch, inspection, guest conversion, trim',
    },
    { step: '  "Converting" stage', seconds: v2v.phases.convertGuest, detail: v2v.phases.convertGuest === undefined ? 'not reached' : '' },
    { step: '  disk copy', seconds: v2v.phases.copy, detail: v2v.phases.copy === undefined ? 'not reached' : '' },
  ];
}
