// Reading back which physical volumes each logical volume of a VM's disks
// has extents on (`pvs --segments`), to prove an LV really spans disks. Used by
// check.mjs and by tests on converted disks.
import { applianceEnv, run } from './run.mjs';

const MARK = '--- hyper2kvm test-images:';

/**
 * The PVs every LV has extents on, in one read-only appliance launch.
 * Inside the appliance the kernel names disks in no fixed order, so the
 * segments are matched to the PVs by UUID, and the PVs named by the
 * libguestfs API names (/dev/sda3 = partition 3 of the first disk given).
 * @param {string[]} disks the VM's disks, in order
 * @param {{ format?: string, pvs: string[], extra?: Record<string, string[]> }} options format of the disks
 *   (default: probed); the PVs to name, as libguestfs names them; further guestfish commands by section
 *   name, run in the same launch after the LVM read (e.g. `mount-ro` + `cat` to read a file back)
 * @returns {Promise<{ pvs: string[], lvDevices: Record<string, string[]>, extra: Record<string, string[]> }>}
 *   every PV of the disks; 'vg/lv' -> PV names (sorted); each extra section's non-blank output lines, trimmed
 */
export async function readLvDevices(disks, { format, pvs, extra = {} }) {
  const lines = [
    'run',
    `echo "${MARK}pvs"`,
    'pvs',
    ...pvs.flatMap((pv) => [`echo "${MARK}uuid ${pv}"`, `pvuuid ${pv}`]),
    `echo "${MARK}segments"`,
    'debug sh "lvm pvs --segments --noheadings --separator , -o pv_uuid,vg_name,lv_name"',
    ...Object.entries(extra).flatMap(([section, commands]) => [`echo "${MARK}extra ${section}"`, ...commands]),
  ];
  const args = ['--ro', ...(format ? [`--format=${format}`] : []), ...disks.flatMap((disk) => ['-a', disk])];
  const { stdout } = await run('guestfish', args, { input: lines.join('\n') + '\n', stdin: undefined, env: applianceEnv() });
  /** @type {Map<string, string[]>} */
  const sections = new Map();
  let current = '';
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) sections.set((current = line.slice(MARK.length)), []);
    else if (line.trim()) sections.get(current)?.push(line.trim());
  }
  const nameOfUuid = new Map(pvs.map((pv) => [sections.get(`uuid ${pv}`)?.[0]?.replaceAll('-', ''), pv]));
  /** @type {Record<string, string[]>} */
  const lvDevices = {};
  for (const segment of sections.get('segments') ?? []) {
    const [uuid = '', vg, lv] = segment.split(',');
    if (!lv) continue; // free space
    const pv = nameOfUuid.get(uuid.replaceAll('-', '')) ?? `PV ${uuid}`;
    const key = `${vg}/${lv}`;
    lvDevices[key] = [...new Set([...(lvDevices[key] ?? []), pv])].sort();
  }
  const extraOutput = Object.fromEntries(Object.keys(extra).map((section) => [section, sections.get(`extra ${section}`) ?? []]));
  return { pvs: sections.get('pvs') ?? [], lvDevices, extra: extraOutput };
}
