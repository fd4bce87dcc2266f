/**
 * The hypervisor-tools.remove action for real: dpkg inside one libguestfs
 * appliance on the bootable Debian 12 test image (open-vm-tools installed by
 * debootstrap), and the reported failure where commands cannot run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectGuestFacts, type Plan } from '@hyper2kvm/core';
import { DirectoryGuest } from '@hyper2kvm/guestfs';
import { materializeGuest, openDiskGuest, runPlugins, type DiskGuest } from '@hyper2kvm/plugin-kit';
import { rm } from 'node:fs/promises';
import hypervisorTools, { installedDpkgPackages } from '../src/index.js';
import { imageDisks } from '../../../test-images/build.mjs';

const ownFindings = (plan: Plan) =>
  plan.findings.filter((finding) => finding.plugin === hypervisorTools.name).map(({ rule, severity, message }) => ({ rule, severity, message }));

describe('hypervisor-tools.remove on the bootable Debian 12 image through a real appliance', () => {
  let guest: DiskGuest;
  let dpkgBefore: string[];
  let wantsBefore: string[];
  let plan: Plan;

  beforeAll(async () => {
    guest = await openDiskGuest(await imageDisks('debian-12-bootable'));
    dpkgBefore = installedDpkgPackages((await guest.appliance.readFile('/var/lib/dpkg/status')).toString('utf8'));
    wantsBefore = await guest.appliance.glob('/etc/systemd/system/*.wants/*');
    plan = (await runPlugins(guest, [hypervisorTools])).plan;
  }, 20 * 60_000); // the first run builds the bootable image with debootstrap (minutes), then boots the appliance under TCG
  afterAll(async () => {
    await guest?.close();
  });

  it('started from a guest with open-vm-tools installed and enabled', () => {
    expect(guest.facts.linux?.hypervisorTools).toContain('vmware');
    expect(dpkgBefore).toContain('open-vm-tools');
    expect(wantsBefore).toContain('/etc/systemd/system/multi-user.target.wants/open-vm-tools.service');
  });

  it('purged open-vm-tools with dpkg inside the guest: gone from the dpkg database and the disk', async () => {
    const after = installedDpkgPackages((await guest.appliance.readFile('/var/lib/dpkg/status')).toString('utf8'));
    expect(after).not.toContain('open-vm-tools');
    expect(dpkgBefore.filter((name) => !after.includes(name))).toEqual(['open-vm-tools']);
    expect(await guest.appliance.exists('/usr/bin/vmtoolsd')).toBe(false);
    expect(await guest.appliance.exists('/lib/systemd/system/open-vm-tools.service')).toBe(false);
  });

  it('disabled its services through the plan and left every other service enabled', async () => {
    const wantsAfter = await guest.appliance.glob('/etc/systemd/system/*.wants/*');
    const deleted = plan.changes.map((change) => (change.kind === 'file.delete' ? change.path : change.kind));
    expect(deleted).toContain('/etc/systemd/system/multi-user.target.wants/open-vm-tools.service');
    expect(wantsBefore.filter((link) => !wantsAfter.includes(link))).toEqual(deleted.filter((path) => path.includes('.wants/')));
  });

  it('says in the plan and in the outcome what was removed and disabled', () => {
    const findings = ownFindings(plan);
    // The vmtoolsd alias, the vgauth dependency and the SysV links are what `systemctl enable` and debootstrap left.
    expect(findings[0]).toEqual({
      rule: 'hypervisor-tools',
      severity: 'info',
      message:
        'VMware tools: open-vm-tools will be removed with `dpkg --purge --force-depends open-vm-tools`; its services are disabled (vmtoolsd.service, open-vm-tools.service, vgauth.service, open-vm-tools) either way.',
    });
    expect(findings.slice(1)).toEqual([
      { rule: 'hypervisor-tools-removed', severity: 'info', message: 'removed open-vm-tools with `dpkg --purge --force-depends open-vm-tools`' },
    ]);
  });
});

describe('hypervisor-tools.remove where the guest cannot run commands', () => {
  it('reports a warning and leaves the services disabled instead of failing the run', async () => {
    const root = await materializeGuest({
      '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
      '/etc/fstab': '/dev/sda1 / ext4 defaults 0 1\n',
      '/bin/sh': '',
      '/var/lib/dpkg/status': 'Package: open-vm-tools\nStatus: install ok installed\nVersion: 2:12.2.0-1+deb12u1\n',
      '/usr/bin/vmtoolsd': '',
      '/etc/systemd/system/multi-user.target.wants/open-vm-tools.service': { symlink: '/lib/systemd/system/open-vm-tools.service' },
    });
    try {
      const directory = new DirectoryGuest(root);
      const { plan } = await runPlugins({ appliance: directory, facts: await inspectGuestFacts(directory) }, [hypervisorTools]);
      expect(await directory.exists('/etc/systemd/system/multi-user.target.wants/open-vm-tools.service')).toBe(false);
      expect(ownFindings(plan)[1]).toEqual({
        rule: 'hypervisor-tools-not-removed',
        severity: 'warning',
        message: expect.stringMatching(/^`dpkg --purge --force-depends open-vm-tools` failed \(.+\); open-vm-tools stay installed, their services disabled$/),
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
