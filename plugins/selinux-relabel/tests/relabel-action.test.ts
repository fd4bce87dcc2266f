/**
 * The selinux.relabel action on a real appliance with the RHEL 9 test image
 * (SELinux enforcing; its binaries are placeholders, so the guest cannot
 * relabel offline and the action must fall back to /.autorelabel).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin, type Plan } from '@hyper2kvm/core';
import selinuxRelabel from '../src/index.js';
import { openDiskGuest, runPlugins, type DiskGuest } from '@hyper2kvm/plugin-kit';
import { imageDisks } from '../../../test-images/build.mjs';

/** A plugin that changes /etc/motd, as any repair plugin changes a file. */
const writesMotd = (content: string) =>
  definePlugin({
    name: 'fixture-writer',
    version: '0.0.0',
    api: 1,
    apply(hooks) {
      hooks.plan.tapPromise('fixture-writer', async (p) => void (await p.writeFile('/etc/motd', content, 'a changed file to relabel')));
    },
  });

const relabelFindings = (plan: Plan) =>
  plan.findings.filter((finding) => finding.plugin === selinuxRelabel.name).map(({ rule, severity, message }) => ({ rule, severity, message }));

describe('selinux.relabel through a real appliance on the RHEL 9 image', () => {
  let guest: DiskGuest;

  beforeAll(async () => {
    guest = await openDiskGuest(await imageDisks('rhel-9'));
  }, 10 * 60_000); // the appliance boots under TCG; on a busy 2-CPU machine that takes minutes
  afterAll(async () => {
    await guest?.close();
  });

  it('creates /.autorelabel when the guest has no setfiles, and says so in the plan findings', async () => {
    expect(guest.facts.linux?.selinux).toBe('enforcing');
    expect(await guest.appliance.exists('/.autorelabel')).toBe(false);
    const plan = (await runPlugins(guest, [selinuxRelabel, writesMotd('migrated to KVM\n')])).plan;
    expect(await guest.appliance.stat('/.autorelabel')).toEqual({ type: 'file', size: 0, mode: 0o644 });
    expect((await guest.appliance.readFile('/etc/motd')).toString()).toBe('migrated to KVM\n');
    expect(relabelFindings(plan)).toEqual([
      { rule: 'selinux-relabel', severity: 'info', message: expect.stringContaining('SELinux is enforcing') },
      {
        rule: 'selinux-autorelabel',
        severity: 'info',
        message:
          'the guest has no setfiles to relabel with; created /.autorelabel, so the guest relabels its file systems on the first boot (one extra reboot)',
      },
    ]);
  });

  it('falls back to /.autorelabel when setfiles exists but cannot run', async () => {
    await guest.appliance.remove('/.autorelabel');
    // RHEL ships restorecon and setfiles as one program; this image's restorecon is a placeholder ELF.
    await guest.appliance.symlink('restorecon', '/usr/sbin/setfiles');
    await guest.appliance.mkdirp('/etc/selinux/targeted/contexts/files');
    await guest.appliance.writeFile('/etc/selinux/targeted/contexts/files/file_contexts', '/etc(/.*)?\tsystem_u:object_r:etc_t:s0\n');
    const plan = (await runPlugins(guest, [selinuxRelabel, writesMotd('migrated to KVM again\n')])).plan;
    const outcome = relabelFindings(plan)[1];
    expect(outcome?.message).toMatch(/^`\/usr\/sbin\/setfiles -F -m` failed \(.+\); created \/\.autorelabel/);
    expect(outcome?.rule).toBe('selinux-autorelabel');
    expect(await guest.appliance.exists('/.autorelabel')).toBe(true);
  });
});
