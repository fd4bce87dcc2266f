import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planWithPlugins, type PlanOutcome } from '@hyper2kvm/plugin-kit';
import hypervisorTools from '../src/index.js';
import { recipeTree } from './recipe-tree.js';

const name = '@hyper2kvm/plugin-hypervisor-tools';

function deletedPaths(outcome: PlanOutcome): string[] {
  return outcome.plan.changes.map((change) => (change.kind === 'file.delete' ? change.path : `${change.kind}?`));
}

describe('hypervisor-tools on the Ubuntu 22.04 test image (open-vm-tools in the dpkg database)', () => {
  let root: string;
  let outcome: PlanOutcome;

  beforeAll(async () => {
    root = await recipeTree('ubuntu-2204');
    outcome = await planWithPlugins({ plugins: [hypervisorTools], guest: root });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('disables the open-vm-tools services by deleting their enablement links, and nothing else', () => {
    expect(deletedPaths(outcome)).toEqual([
      '/etc/systemd/system/multi-user.target.wants/open-vm-tools.service',
      '/etc/systemd/system/open-vm-tools.service.requires/vgauth.service',
    ]);
    expect(outcome.plan.changes.every((change) => change.reason.includes('VMware tools fail or loop at boot on KVM'))).toBe(true);
  });

  it('requests the removal of exactly the installed package', () => {
    expect(outcome.plan.actions).toEqual([
      { key: 'hypervisor-tools.remove', requestedBy: [name], params: { packages: ['open-vm-tools'], candidates: [], uninstallers: [] } },
    ]);
  });

  it('says in the plan what will be removed and what is disabled', () => {
    expect(outcome.plan.findings).toEqual([
      {
        plugin: name,
        rule: 'hypervisor-tools',
        severity: 'info',
        message:
          'VMware tools: open-vm-tools will be removed with `dpkg --purge --force-depends open-vm-tools`; its services are disabled (open-vm-tools.service, vgauth.service) either way.',
      },
    ]);
    expect(outcome.text).toContain('hypervisor-tools.remove');
  });
});

describe('hypervisor-tools on the RHEL 9 test image (rpm database not readable as files)', () => {
  let root: string;
  let outcome: PlanOutcome;

  beforeAll(async () => {
    root = await recipeTree('rhel-9');
    outcome = await planWithPlugins({ plugins: [hypervisorTools], guest: root });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('disables vmtoolsd and vgauthd', () => {
    expect(deletedPaths(outcome)).toEqual([
      '/etc/systemd/system/multi-user.target.wants/vmtoolsd.service',
      '/etc/systemd/system/vmtoolsd.service.requires/vgauthd.service',
    ]);
  });

  it('leaves the exact package names to rpm inside the appliance', () => {
    expect(outcome.plan.actions).toEqual([
      {
        key: 'hypervisor-tools.remove',
        requestedBy: [name],
        params: {
          packages: [],
          candidates: [
            'open-vm-tools',
            'open-vm-tools-desktop',
            'open-vm-tools-sdmp',
            'open-vm-tools-salt-minion',
            'VMwareTools',
            'vmware-tools-*',
            'kmod-vmware-tools*',
          ],
          uninstallers: [],
        },
      },
    ]);
    expect(outcome.plan.findings).toEqual([
      expect.objectContaining({
        rule: 'hypervisor-tools',
        severity: 'info',
        message:
          'VMware tools: whichever of open-vm-tools, open-vm-tools-desktop, open-vm-tools-sdmp, open-vm-tools-salt-minion, VMwareTools, vmware-tools-*, kmod-vmware-tools* the package manager lists inside the guest will be removed with `rpm -e --nodeps …`; its services are disabled (vmtoolsd.service, vgauthd.service) either way.',
      }),
    ]);
  });
});

const debian11 = 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nID=debian\nVERSION_ID="11"\n';
const dpkgStanza = (pkg: string, status = 'install ok installed') => `Package: ${pkg}\nStatus: ${status}\nPriority: optional\nVersion: 1.0\n`;

describe('hypervisor-tools with Hyper-V, VirtualBox and installer-based VMware Tools', () => {
  let outcome: PlanOutcome;

  beforeAll(async () => {
    outcome = await planWithPlugins({
      plugins: [hypervisorTools],
      guest: {
        '/etc/os-release': debian11,
        '/etc/fstab': '/dev/sda1 / ext4 defaults 0 1\n',
        '/var/lib/dpkg/status': [
          dpkgStanza('bash'),
          dpkgStanza('hyperv-daemons'),
          dpkgStanza('open-vm-tools', 'deinstall ok config-files'),
          dpkgStanza('virtualbox-guest-utils'),
        ].join('\n'),
        '/usr/sbin/hv_kvp_daemon': '',
        '/etc/systemd/system/multi-user.target.wants/hv-kvp-daemon.service': { symlink: '/lib/systemd/system/hv-kvp-daemon.service' },
        '/etc/systemd/system/multi-user.target.wants/ssh.service': { symlink: '/lib/systemd/system/ssh.service' },
        '/etc/systemd/system/vmware-tools.service': '[Unit]\nDescription=VMware Tools installed from the tarball\n',
        '/etc/systemd/system/multi-user.target.wants/vmware-tools.service': { symlink: '/etc/systemd/system/vmware-tools.service' },
        '/etc/systemd/system/vgauthd.service': { symlink: '/dev/null' },
        '/etc/systemd/system/vboxservice.service': { symlink: '/lib/systemd/system/virtualbox-guest-utils.service' },
        '/etc/rc2.d/S01vboxadd': { symlink: '../init.d/vboxadd' },
        '/etc/rc0.d/K01vboxadd': { symlink: '../init.d/vboxadd' },
        '/etc/rc2.d/S01ssh': { symlink: '../init.d/ssh' },
        '/etc/vmware-tools/locations': 'answer BINDIR /usr/bin\n',
        '/usr/bin/vmware-uninstall-tools.pl': '#!/usr/bin/perl\n',
        '/opt/VBoxGuestAdditions-7.0.12/uninstall.sh': '#!/bin/sh\n',
      },
    });
  });
  afterAll(() => outcome.cleanup());

  it('deletes the wants links, the alias and the rc.d links of the tools, keeping masks and other services', () => {
    expect(deletedPaths(outcome)).toEqual([
      '/etc/systemd/system/multi-user.target.wants/vmware-tools.service',
      '/etc/systemd/system/multi-user.target.wants/hv-kvp-daemon.service',
      '/etc/systemd/system/vboxservice.service',
      '/etc/rc0.d/K01vboxadd',
      '/etc/rc2.d/S01vboxadd',
    ]);
  });

  it('removes the installed packages (not the one left as config files) and runs both uninstallers', () => {
    expect(outcome.plan.actions).toEqual([
      {
        key: 'hypervisor-tools.remove',
        requestedBy: [name],
        params: {
          packages: ['hyperv-daemons', 'virtualbox-guest-utils'],
          candidates: [],
          uninstallers: ['/usr/bin/vmware-uninstall-tools.pl', '/opt/VBoxGuestAdditions-7.0.12/uninstall.sh'],
        },
      },
    ]);
    expect(outcome.plan.findings.map((finding) => finding.message)).toEqual([
      'VMware tools: its uninstaller /usr/bin/vmware-uninstall-tools.pl will be run; its services are disabled (vmware-tools.service) either way.',
      'Hyper-V daemons: hyperv-daemons will be removed with `dpkg --purge --force-depends hyperv-daemons`; its services are disabled (hv-kvp-daemon.service) either way.',
      'VirtualBox guest additions: virtualbox-guest-utils will be removed with `dpkg --purge --force-depends virtualbox-guest-utils`; its uninstaller /opt/VBoxGuestAdditions-7.0.12/uninstall.sh will be run; its services are disabled (vboxservice.service, vboxadd) either way.',
    ]);
  });

  it('only disables services when removal is turned off, and says so', async () => {
    const ubuntu = await recipeTree('ubuntu-2204');
    const servicesOnly = await planWithPlugins({ plugins: [[hypervisorTools, { removePackages: false }]], guest: ubuntu });
    await rm(ubuntu, { recursive: true, force: true });
    expect(servicesOnly.plan.actions).toEqual([]);
    expect(deletedPaths(servicesOnly)).toHaveLength(2);
    expect(servicesOnly.plan.findings).toEqual([
      expect.objectContaining({
        message:
          'VMware tools: left installed (removal is turned off by the plugin options); its services are disabled (open-vm-tools.service, vgauth.service).',
        hint: 'remove them with the package manager after the first boot on KVM',
      }),
    ]);
  });
});

describe('hypervisor-tools on guests from a cloud', () => {
  it('disables the snap SSM agent and the Google guest environment, keeps their packages, and leaves other units alone', async () => {
    const outcome = await planWithPlugins({
      plugins: [hypervisorTools],
      guest: {
        '/etc/os-release': debian11,
        '/etc/fstab': 'LABEL=cloudimg-rootfs / ext4 defaults 0 1\n',
        '/var/lib/dpkg/status': [dpkgStanza('bash'), dpkgStanza('google-guest-agent')].join('\n'),
        '/snap/amazon-ssm-agent/7993/amazon-ssm-agent': '',
        '/etc/systemd/system/snap.amazon-ssm-agent.amazon-ssm-agent.service':
          '[Unit]\nDescription=Service for snap application amazon-ssm-agent.amazon-ssm-agent\n',
        '/etc/systemd/system/multi-user.target.wants/snap.amazon-ssm-agent.amazon-ssm-agent.service': {
          symlink: '/etc/systemd/system/snap.amazon-ssm-agent.amazon-ssm-agent.service',
        },
        '/etc/systemd/system/multi-user.target.wants/google-guest-agent.service': { symlink: '/lib/systemd/system/google-guest-agent.service' },
        '/etc/systemd/system/timers.target.wants/google-oslogin-cache.timer': { symlink: '/lib/systemd/system/google-oslogin-cache.timer' },
        '/etc/systemd/system/multi-user.target.wants/ssh.service': { symlink: '/lib/systemd/system/ssh.service' },
      },
    });
    expect(deletedPaths(outcome)).toEqual([
      '/etc/systemd/system/multi-user.target.wants/snap.amazon-ssm-agent.amazon-ssm-agent.service',
      '/etc/systemd/system/multi-user.target.wants/google-guest-agent.service',
      '/etc/systemd/system/timers.target.wants/google-oslogin-cache.timer',
    ]);
    expect(outcome.plan.actions).toEqual([]);
    expect(outcome.plan.findings.map((finding) => [finding.rule, finding.message])).toEqual([
      [
        'cloud-agent',
        'Amazon SSM Agent: its services are disabled (snap.amazon-ssm-agent.amazon-ssm-agent.service), since off its cloud it retries the EC2 metadata service and the SSM endpoint without end; the agent stays installed and works again if the VM goes back.',
      ],
      [
        'cloud-agent',
        'Google guest environment: its services are disabled (google-guest-agent.service, google-oslogin-cache.timer), since off its cloud it waits for the GCE metadata server at boot and then retries it without end; the agent stays installed and works again if the VM goes back.',
      ],
    ]);
    await outcome.cleanup();
  });
});

describe('hypervisor-tools on guests without tools', () => {
  it('proposes nothing on a Debian guest without hypervisor tools', async () => {
    const outcome = await planWithPlugins({
      plugins: [hypervisorTools],
      guest: {
        '/etc/os-release': debian11,
        '/etc/fstab': '/dev/sda1 / ext4 defaults 0 1\n',
        '/var/lib/dpkg/status': [dpkgStanza('bash'), dpkgStanza('qemu-guest-agent')].join('\n'),
        '/etc/systemd/system/multi-user.target.wants/ssh.service': { symlink: '/lib/systemd/system/ssh.service' },
      },
    });
    expect(outcome.plan).toEqual({ changes: [], actions: [], findings: [] });
    await outcome.cleanup();
  });

  it('does nothing on a Windows guest', async () => {
    const outcome = await planWithPlugins({
      plugins: [hypervisorTools],
      guest: { '/usr/bin/vmtoolsd': '' },
      facts: { os: { type: 'windows', arch: 'x86_64' } },
    });
    expect(outcome.plan).toEqual({ changes: [], actions: [], findings: [] });
    await outcome.cleanup();
  });
});
