// Builder for kind 'debootstrap-cloud' recipes: a real Debian with cloud-init
// that has really run once on its "old cloud", the way a cloud VM is exported.
//
//   debootstrap guest (lib/debootstrap.mjs, as a raw disk) -> one boot under
//   qemu with the cloud's NoCloud seed (a `cidata` ISO: instance id, hostname,
//   network config pinned to the cloud NIC's MAC) and that NIC, so cloud-init
//   itself renders 50-cloud-init.yaml, makes the SSH host keys and records the
//   instance, then powers the guest off (power_state) -> exports without the seed.
//
// What that boot left (SSH host key fingerprint, instance id, datasource,
// hostname), read back from the disk, is kept in first-boot.json, so a test
// can tell whether cloud-init on KVM redid any of it.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build as buildDebootstrap } from './debootstrap.mjs';
import { exportDisk } from './export.mjs';
import { applianceEnv, run } from './run.mjs';

/** How long the first boot may take under TCG (cloud-init is Python: slow when emulated). */
const FIRST_BOOT_TIMEOUT_MS = 12 * 60 * 1000;

/** `PREFIX-key: value` marker lines of the console, as { key: value }. */
export function markerValues(consoleText, prefix) {
  const values = {};
  for (const line of consoleText.replace(/\r/g, '').split('\n')) {
    const at = line.indexOf(`${prefix}-`);
    if (at < 0) continue;
    const match = /^([a-z]+): (.*)$/.exec(line.slice(at + prefix.length + 1).trim());
    if (match && match[1] !== 'addr') values[match[1]] = match[2].trim();
  }
  return values;
}

/** The NoCloud seed ISO the old cloud attached: volume label `cidata`. */
async function seedIso(dir, seed) {
  await mkdir(join(dir, 'seed'), { recursive: true });
  for (const [name, text] of Object.entries(seed)) await writeFile(join(dir, 'seed', name), text);
  const iso = join(dir, 'seed.iso');
  await run('genisoimage', ['-quiet', '-output', iso, '-volid', 'cidata', '-joliet', '-rock', ...Object.keys(seed).map((name) => join(dir, 'seed', name))]);
  return iso;
}

/** `SHA256:…` of an OpenSSH public key line, as `ssh-keygen -l` prints it (computed here: no guest binary runs). */
export function sshFingerprint(publicKeyLine) {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** What cloud-init left after the boot: read from the disk with the appliance (read-only). */
async function readCloudState(img, rootDevice) {
  const script = [
    'run',
    `mount-ro ${rootDevice} /`,
    'cat /etc/ssh/ssh_host_ed25519_key.pub',
    'echo ---',
    'cat /var/lib/cloud/data/instance-id',
    'echo ---',
    'cat /var/lib/cloud/instance/datasource',
    'echo ---',
    'cat /etc/hostname',
  ];
  const { stdout } = await run('guestfish', ['--ro', '--format=raw', '-a', img], { input: script.join('\n') + '\n', stdin: undefined, env: applianceEnv() });
  const [key, instance, datasource, hostname] = stdout.split('---\n').map((part) => part.trim());
  return { hostkey: sshFingerprint(key), instance, datasource: datasource.split(':').slice(1).join(':').trim(), hostname };
}

/** Boots the raw disk once as the old cloud did (IDE disks, the cloud NIC, the seed) until cloud-init powers it off. */
async function bootOnOldCloud(img, cloud, workDir) {
  const iso = await seedIso(workDir, cloud.seed);
  const consoleLog = join(workDir, 'first-boot-console.log');
  try {
    await run(
      'qemu-system-x86_64',
      [
        '-machine', 'pc,accel=tcg', '-m', '1024', '-smp', '1', '-display', 'none', '-no-reboot',
        '-drive', `file=${img},format=raw,if=ide,index=0`,
        // As a second disk, not a CD-ROM: the guest's initramfs has no sr_mod, so a CD shows up only
        // after cloud-init's generator has looked for the seed; sd_mod is there, so /dev/sdb is early.
        '-drive', `file=${iso},format=raw,if=ide,index=1`,
        '-netdev', 'user,id=n0', '-device', `e1000,netdev=n0,mac=${cloud.mac}`,
        '-serial', `file:${consoleLog}`,
      ],
      { timeout: FIRST_BOOT_TIMEOUT_MS },
    );
  } catch (error) {
    const tail = (await readFile(consoleLog, 'utf8').catch(() => '')).replace(/\r/g, '').split('\n').slice(-40).join('\n');
    throw new Error(`first boot on the old cloud: ${error.message.split('\n')[0]}; the console ended with:\n${tail}`);
  }
}

/**
 * @param {any} recipe
 * @param {{ outDir: string, workDir: string }} where
 */
export async function build(recipe, { outDir, workDir }) {
  const rawDir = join(workDir, 'raw');
  await mkdir(rawDir, { recursive: true });
  const raw = await buildDebootstrap({ ...recipe, export: ['raw'] }, { outDir: rawDir, workDir });
  const img = join(rawDir, raw.raw);
  const started = Date.now();
  await bootOnOldCloud(img, recipe.cloud, workDir);
  const firstBoot = await readCloudState(img, '/dev/sda1');
  for (const [key, value] of Object.entries(firstBoot)) if (!value) throw new Error(`first boot on the old cloud: cloud-init left no ${key}`);
  process.stderr.write(`${recipe.name}: first boot on the old cloud took ${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify(firstBoot)}\n`);
  const files = await exportDisk(img, outDir, recipe);
  await writeFile(join(outDir, 'first-boot.json'), JSON.stringify(firstBoot, null, 2) + '\n');
  files.firstBoot = 'first-boot.json';
  for (const leftover of await readdir(rawDir)) if (leftover.endsWith('.raw')) await run('rm', ['-f', join(rawDir, leftover)]);
  return files;
}
