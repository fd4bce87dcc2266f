/**
 * `grub.mkconfig` on the real bootable Debian 12 guest, through one real
 * libguestfs appliance: the guest's own grub-mkconfig runs inside it. Ends
 * with the whole Linux boot repair (stable-device-names, initramfs-virtio,
 * grub-regen) planned and applied the way `migrate` does it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_VERSION, Engine, pluginsInCode, type Plan, type PluginInCode } from '@hyper2kvm/core';
import { openDiskGuest, recordingLogger, type DiskGuest } from '@hyper2kvm/plugin-kit';
import initramfsVirtio from '@hyper2kvm/plugin-initramfs-virtio';
import stableDeviceNames from '@hyper2kvm/plugin-stable-device-names';
import grubRegen, { PREVIOUS_CONFIG_SUFFIX } from '../src/index.js';
import { imageDisks } from '../../../test-images/build.mjs';

const LONG = 900_000;
const GRUB_CFG = '/boot/grub/grub.cfg';
const DEFAULTS = '/etc/default/grub';

let guest: DiskGuest;
let rootUuid: string;
const records: { msg: string; [key: string]: unknown }[] = [];

function engineWith(plugins: PluginInCode[]): Engine {
  return new Engine({
    plugins: pluginsInCode(plugins, 'test'),
    logger: recordingLogger(records),
    coreVersion: CORE_VERSION,
  });
}

async function text(path: string): Promise<string> {
  return (await guest.appliance.readFile(path)).toString('utf8');
}

/** The `linux` lines of a grub.cfg. */
function kernelLines(config: string): string[] {
  return config
    .split('\n')
    .filter((line) => /^\s*linux\s/.test(line))
    .map((line) => line.trim());
}

beforeAll(async () => {
  guest = await openDiskGuest(await imageDisks('debian-12-bootable'));
  const root = (await guest.appliance.filesystems()).find((filesystem) => filesystem.type === 'ext4');
  rootUuid = root!.uuid!;
}, LONG);

afterAll(async () => {
  await guest?.close();
});

describe('grub-regen on the bootable Debian 12 guest', () => {
  it(
    'puts the previous grub.cfg back when grub-mkconfig writes the appliance’s disk name as root=',
    async () => {
      const before = await text(GRUB_CFG);
      const defaults = await text(DEFAULTS);
      // What a guest with UUIDs disabled looks like if nothing removed the setting first.
      await guest.appliance.writeFile(DEFAULTS, `${defaults}GRUB_DISABLE_LINUX_UUID=true\n`);
      const engine = engineWith([grubRegen]);
      await engine.inspect(guest.appliance, guest.facts);
      const onlyTheAction: Plan = { changes: [], findings: [], actions: [{ key: 'grub.mkconfig', requestedBy: ['test'], params: {} }] };

      const failure = await engine.fix(guest.appliance, guest.facts, onlyTheAction, { backupDir: join(guest.workDir, 'backup-1') }).then(
        () => null,
        (error: unknown) => error as Error,
      );
      expect(failure?.message).toMatch(
        /grub-mkconfig -o \/boot\/grub\/grub\.cfg wrote kernel lines naming the root by a disk name that changes on KVM \(\/boot\/grub\/grub\.cfg:\d+ root=\/dev\/sd[a-z]1/,
      );
      expect(await text(GRUB_CFG)).toBe(before);
      expect(await guest.appliance.exists(`${GRUB_CFG}${PREVIOUS_CONFIG_SUFFIX}`)).toBe(false);
      expect(await guest.appliance.exists(`${GRUB_CFG}.new`)).toBe(false);
      await guest.appliance.writeFile(DEFAULTS, defaults);
    },
    LONG,
  );

  it(
    'repairs the guest with stable-device-names, initramfs-virtio and grub-regen: grub.cfg edited by UUID with ttyS0 (no grub-mkconfig), virtio_blk in the initrd',
    async () => {
      const engine = engineWith([stableDeviceNames, initramfsVirtio, grubRegen]);
      const facts = await engine.inspect(guest.appliance, guest.facts);
      const kernel = facts.linux!.kernels[0]!;
      const plan = await engine.plan(guest.appliance, facts);
      expect(plan.findings.filter((finding) => finding.severity !== 'info')).toEqual([]);
      // grub.cfg is the one grub-mkconfig wrote on the old host: edited in place, nothing regenerated.
      expect(plan.actions.map((action) => action.key)).toEqual(['initramfs.rebuild']);
      expect(plan.findings).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'grub-cfg-edited' })]));

      records.length = 0;
      const started = performance.now();
      await engine.fix(guest.appliance, facts, plan, { backupDir: join(guest.workDir, 'backup-2') });
      const fixSeconds = Math.round(performance.now() - started) / 1000;
      const mkconfig = records.find((record) => record.plugin === grubRegen.name && typeof record['durationMs'] === 'number');
      const rebuild = records.find((record) => record.plugin === initramfsVirtio.name && typeof record['durationMs'] === 'number');
      console.info(
        `fix on the appliance: ${fixSeconds} s (initramfs rebuild ${Number(rebuild?.['durationMs']) / 1000} s, grub-mkconfig ${Number(mkconfig?.['durationMs']) / 1000} s)`,
      );

      const config = await text(GRUB_CFG);
      const lines = kernelLines(config);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).toContain(`root=UUID=${rootUuid}`);
        expect(line).toMatch(/console=tty0 console=ttyS0,115200n8/);
        expect(line).not.toMatch(/\/dev\/sd[a-z]/);
      }
      expect(config).toContain('terminal_output serial console');
      expect(await guest.appliance.exists(`${GRUB_CFG}${PREVIOUS_CONFIG_SUFFIX}`)).toBe(false);
      expect(await text(DEFAULTS)).toContain(`GRUB_CMDLINE_LINUX="root=UUID=${rootUuid} console=tty0 console=ttyS0,115200n8"`);
      expect(await text('/etc/fstab')).toContain(`UUID=${rootUuid}`);

      const initrd = (await guest.appliance.command(['lsinitramfs', `/boot/initrd.img-${kernel.version}`])).stdout.split('\n');
      expect(initrd.some((file) => /\/virtio_blk\.ko(\.(xz|zst|gz))?$/.test(file))).toBe(true);
    },
    LONG,
  );

  it(
    'the edited grub.cfg says what the guest’s own grub-mkconfig writes from the edited defaults (the grub.mkconfig action, run after)',
    async () => {
      const edited = await text(GRUB_CFG);
      const engine = engineWith([[grubRegen, { regenerate: 'always' }]]);
      await engine.inspect(guest.appliance, guest.facts);
      const plan = await engine.plan(guest.appliance, guest.facts);
      expect(plan.actions.map((action) => action.key)).toEqual(['grub.mkconfig']);
      records.length = 0;
      await engine.fix(guest.appliance, guest.facts, plan, { backupDir: join(guest.workDir, 'backup-3') });
      const mkconfig = records.find((record) => record.plugin === grubRegen.name && typeof record['durationMs'] === 'number');
      console.info(`grub-mkconfig in the appliance, which the edit saved: ${Number(mkconfig?.['durationMs']) / 1000} s`);
      const regenerated = await text(GRUB_CFG);
      const words = (line: string): string[] => [...new Set(line.split(/\s+/).slice(1))].sort();
      // The first entry of each: the same kernel, the same arguments (grub-mkconfig may repeat root=).
      expect(words(kernelLines(edited)[0]!)).toEqual(words(kernelLines(regenerated)[0]!));
      for (const line of ['serial --speed=115200 --unit=0 --word=8 --parity=no --stop=1', 'terminal_input serial console', 'terminal_output serial console']) {
        expect(edited).toContain(line);
        expect(regenerated).toContain(line);
      }
    },
    LONG,
  );
});
