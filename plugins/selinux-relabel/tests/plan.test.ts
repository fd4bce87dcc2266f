import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin } from '@hyper2kvm/core';
import { planWithPlugins, type PlanOutcome } from '@hyper2kvm/plugin-kit';
import selinuxRelabel, { relabelTargets } from '../src/index.js';
import { recipeTree } from './recipe-tree.js';

const name = '@hyper2kvm/plugin-selinux-relabel';

/** A plugin that changes files the way repair plugins do, and asks for a rebuild. */
const touchesFiles = definePlugin({
  name: 'fixture-writer',
  version: '0.0.0',
  api: 1,
  apply(hooks) {
    hooks.plan.tapPromise('fixture-writer', async (p) => {
      await p.writeFile('/etc/dracut.conf.d/90-virtio.conf', 'add_drivers+=" virtio_blk "\n', 'virtio in the initramfs');
      await p.editFile('/etc/fstab', (text) => `${text}# checked\n`, 'fstab by UUID');
      await p.writeFile('/boot/efi/EFI/redhat/grub.cfg', 'configfile $prefix/grub.cfg\n', 'ESP stub');
      await p.writeFile('/boot/loader/entries/extra.conf', 'title extra\n', 'boot entry');
      await p.deleteFile('/etc/lvm/devices/system.devices', 'stale device IDs');
      p.requireAction('initramfs.rebuild', { kernels: ['5.14.0-362.8.1.el9_3.x86_64'] });
      p.requireAction('selinux.relabel', { paths: ['/etc/sysconfig/network-scripts'] });
    });
  },
});

describe('selinux-relabel on the RHEL 9 test image (SELinux enforcing)', () => {
  let root: string;
  let outcome: PlanOutcome;

  beforeAll(async () => {
    root = await recipeTree('rhel-9');
    outcome = await planWithPlugins({ plugins: [selinuxRelabel, touchesFiles], guest: root });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('requests selinux.relabel after the other plugins and says so, changing no file itself', () => {
    expect(outcome.facts.linux?.selinux).toBe('enforcing');
    expect(outcome.plan.changes.every((change) => change.plugin === 'fixture-writer')).toBe(true);
    expect(outcome.plan.actions.map((action) => [action.key, action.requestedBy])).toEqual([
      ['initramfs.rebuild', ['fixture-writer']],
      ['selinux.relabel', ['fixture-writer', name]],
    ]);
    // The fixture's initramfs.rebuild has no provider here; only this plugin's findings matter.
    expect(outcome.plan.findings.filter((finding) => finding.plugin !== '@hyper2kvm/core')).toEqual([
      {
        plugin: name,
        rule: 'selinux-relabel',
        severity: 'info',
        message:
          "SELinux is enforcing: the files this migration writes will be relabelled with the guest's policy, or /.autorelabel created when that is not possible offline",
      },
    ]);
  });

  it('relabels what the plan wrote, the requested paths and /boot for the initramfs rebuild, never the ESP or deleted files', () => {
    const request = outcome.plan.actions.find((action) => action.key === 'selinux.relabel')!;
    expect(relabelTargets(outcome.plan, request, outcome.facts)).toEqual([
      '/boot',
      '/etc/dracut.conf.d/90-virtio.conf',
      '/etc/fstab',
      '/etc/sysconfig/network-scripts',
    ]);
  });
});

describe('selinux-relabel on guests without SELinux in force', () => {
  it('does nothing on the RHEL 9 image with SELINUX=disabled', async () => {
    const root = await recipeTree('rhel-9');
    await writeFile(join(root, 'etc/selinux/config'), 'SELINUX=disabled\nSELINUXTYPE=targeted\n');
    const outcome = await planWithPlugins({ plugins: [selinuxRelabel], guest: root });
    expect(outcome.facts.linux?.selinux).toBe('disabled');
    expect([outcome.plan.changes, outcome.plan.actions, outcome.plan.findings]).toEqual([[], [], []]);
    await rm(root, { recursive: true, force: true });
  });

  it('does nothing on the Ubuntu 22.04 image, which has no SELinux', async () => {
    const root = await recipeTree('ubuntu-2204');
    const outcome = await planWithPlugins({ plugins: [selinuxRelabel], guest: root });
    expect(outcome.facts.linux?.selinux).toBe('absent');
    expect([outcome.plan.changes, outcome.plan.actions, outcome.plan.findings]).toEqual([[], [], []]);
    await rm(root, { recursive: true, force: true });
  });

  it('requests the relabel for a permissive guest too', async () => {
    const root = await recipeTree('rhel-9');
    await writeFile(join(root, 'etc/selinux/config'), 'SELINUX=permissive\nSELINUXTYPE=targeted\n');
    const outcome = await planWithPlugins({ plugins: [selinuxRelabel], guest: root });
    expect(outcome.plan.actions).toEqual([{ key: 'selinux.relabel', requestedBy: [name], params: {} }]);
    await rm(root, { recursive: true, force: true });
  });
});
