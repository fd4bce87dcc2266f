import { describe, expect, it } from 'vitest';
import { planWithPlugins, PluginTester } from '@hyper2kvm/plugin-kit';
import netplanStabilize from '@hyper2kvm/plugin-netplan-stabilize';
import cloudInit from '../src/index.js';
import { EC2_MAC, HOSTNAME, INSTANCE, RENDERED_NETPLAN, UBUNTU_ON_EC2 } from './recipes.js';

const KVM_MAC = '52:54:00:12:34:56';
const vm = { disks: [], nics: [{ model: 'virtio', mac: KVM_MAC }], origin: 'ovf' as const };

const DROP_IN_KEEPING_NETWORK = `# Written by hyper2kvm: this guest moved from Ec2Local to KVM, where no metadata service answers.
# Look only at the NoCloud seed (then None), so boot never waits for a metadata service.
datasource_list: [ NoCloud, None ]
# The network configuration cloud-init rendered on the old platform is kept (moved to the
# KVM NICs by hyper2kvm): do not render a new one.
network: {config: disabled}
`;

const SEED = `# Written by hyper2kvm: the instance this guest was on its old platform, so that
# cloud-init on KVM treats the first boot as the same instance.
instance-id: "${INSTANCE}"
local-hostname: "${HOSTNAME}"
`;

const withoutHistory = Object.fromEntries(Object.entries(UBUNTU_ON_EC2).filter(([path]) => !path.startsWith('/var/lib/cloud')));

new PluginTester({ describe, it }).run(cloudInit, {
  valid: [
    { name: 'no cloud-init on the guest', guest: { '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n', '/etc/fstab': '' } },
    {
      name: 'cloud-init switched off by cloud-init.disabled',
      guest: { ...UBUNTU_ON_EC2, '/etc/cloud/cloud-init.disabled': '' },
      findings: [{ rule: 'cloud-init-disabled', severity: 'info' }],
    },
    {
      name: 'cloud-init switched off on the kernel command line',
      guest: { ...UBUNTU_ON_EC2, '/etc/default/grub': 'GRUB_CMDLINE_LINUX="console=ttyS0 cloud-init=disabled"\n' },
      findings: [{ rule: 'cloud-init-disabled' }],
    },
  ],
  invalid: [
    {
      name: 'an EC2 guest: seed with the old instance id, datasources limited, rendered network kept',
      guest: UBUNTU_ON_EC2,
      vm,
      changes: [
        { kind: 'file.write', path: '/var/lib/cloud/seed/nocloud/meta-data', after: SEED },
        { kind: 'file.write', path: '/var/lib/cloud/seed/nocloud/user-data', after: /^#cloud-config\n/ },
        { kind: 'file.write', path: '/etc/cloud/cloud.cfg.d/zz-hyper2kvm.cfg', after: DROP_IN_KEEPING_NETWORK },
      ],
      findings: [
        {
          rule: 'cloud-init-on-kvm',
          severity: 'info',
          message:
            `cloud-init (last run: ${INSTANCE} on Ec2Local): it looks only for the NoCloud seed, then None, so boot does not wait for a metadata service; ` +
            `it reads a NoCloud seed with the instance id of its last run (${INSTANCE}), so SSH host keys, users and passwords stay as they are; ` +
            'the network configuration it rendered (/etc/netplan/50-cloud-init.yaml) is kept, moved to the KVM NICs, and not rendered again',
        },
      ],
    },
    {
      name: 'a cloud image that never booted: a new instance, said so',
      guest: withoutHistory,
      changes: [
        {
          kind: 'file.write',
          path: '/etc/cloud/cloud.cfg.d/zz-hyper2kvm.cfg',
          after: /\nnetwork: \{config: disabled\}\n$/,
        },
      ],
      findings: [
        { rule: 'cloud-init-new-instance', severity: 'info', message: /no record of an earlier run/ },
        { rule: 'cloud-init-on-kvm', severity: 'info' },
      ],
    },
    {
      name: 'no network configuration left: cloud-init may render its fallback, so no network: disabled and a new instance',
      guest: Object.fromEntries(Object.entries(UBUNTU_ON_EC2).filter(([path]) => !path.startsWith('/etc/netplan'))),
      changes: [{ kind: 'file.write', path: '/etc/cloud/cloud.cfg.d/zz-hyper2kvm.cfg', after: /datasource_list: \[ NoCloud, None \]\n$/ }],
      findings: [
        { rule: 'cloud-init-new-instance', severity: 'warning', message: /no network configuration to keep/ },
        { rule: 'cloud-init-on-kvm', message: /fallback network configuration/ },
      ],
    },
    {
      name: 'the guest has its own NoCloud seed: kept',
      guest: { ...UBUNTU_ON_EC2, '/var/lib/cloud/seed/nocloud/meta-data': 'instance-id: pve-101\n' },
      changes: [{ kind: 'file.write', path: '/etc/cloud/cloud.cfg.d/zz-hyper2kvm.cfg' }],
      findings: [{ rule: 'cloud-init-on-kvm', message: /own NoCloud seed .* is kept/ }],
    },
    {
      name: 'mode disable: cloud-init switched off',
      guest: UBUNTU_ON_EC2,
      options: { mode: 'disable' },
      changes: [{ kind: 'file.write', path: '/etc/cloud/cloud-init.disabled' }],
      findings: [{ rule: 'cloud-init-on-kvm', message: /switched off/ }],
    },
  ],
});

describe('with netplan-stabilize, as in the preset', () => {
  it('moves the rendered MAC match to the KVM NIC, keeps ens5 and its DHCP, and the plan shows where it lands', async () => {
    const outcome = await planWithPlugins({ plugins: [netplanStabilize, cloudInit], guest: UBUNTU_ON_EC2, vm });
    expect(await outcome.fileAfter('/etc/netplan/50-cloud-init.yaml')).toBe(RENDERED_NETPLAN.replace(EC2_MAC, KVM_MAC));
    expect(outcome.facts.extensions['@hyper2kvm/plugin-cloud-init']).toMatchObject({
      instanceId: INSTANCE,
      datasource: 'DataSourceEc2Local',
      datasourceList: ['NoCloud', 'ConfigDrive', 'OpenStack', 'Azure', 'GCE', 'Ec2', 'Oracle', 'None'],
      renderedNetwork: ['/etc/netplan/50-cloud-init.yaml'],
      networkConfigDisabled: false,
      disabled: false,
    });
    expect(outcome.text).toContain(`ens5 (MAC ${KVM_MAC}) → KVM NIC 1: DHCPv4`);
    await outcome.cleanup();
  });
});
