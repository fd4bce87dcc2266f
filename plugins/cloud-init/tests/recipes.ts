// A guest as an Ubuntu 22.04 cloud image leaves it after running on EC2:
// cloud-init's config with the packaged datasource list, the record of its
// last instance, and the netplan file it rendered (MAC match, set-name).
import type { GuestTree } from '@hyper2kvm/plugin-kit';

export const INSTANCE = 'i-0a1b2c3d4e5f67890';
export const EC2_MAC = '0a:1b:2c:3d:4e:5f';
export const HOSTNAME = 'ip-172-31-5-10';

export const RENDERED_NETPLAN = `# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.  To disable cloud-init's
# network configuration capabilities, write a file
# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
# network: {config: disabled}
network:
    ethernets:
        ens5:
            dhcp4: true
            dhcp6: false
            match:
                macaddress: ${EC2_MAC}
            set-name: ens5
    version: 2
`;

const CLOUD_CFG = `# The top level settings are used as module
# and base configuration.
users:
   - default
disable_root: true
preserve_hostname: false
cloud_init_modules:
 - seed_random
 - bootcmd
 - write_files
 - growpart
 - resizefs
 - set_hostname
 - update_hostname
 - update_etc_hosts
 - ca_certs
 - rsyslog
 - users_groups
 - ssh
system_info:
   distro: ubuntu
`;

export const UBUNTU_ON_EC2: GuestTree = {
  '/etc/os-release': 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n',
  '/etc/hostname': `${HOSTNAME}\n`,
  '/etc/fstab': 'LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1\n',
  '/usr/bin/cloud-init': '#!/usr/bin/python3\n',
  '/etc/cloud/cloud.cfg': CLOUD_CFG,
  '/etc/cloud/cloud.cfg.d/90_dpkg.cfg':
    '# to update this file, run dpkg-reconfigure cloud-init\ndatasource_list: [ NoCloud, ConfigDrive, OpenStack, Azure, GCE, Ec2, Oracle, None ]\n',
  '/etc/cloud/cloud.cfg.d/README': '# All files with the .cfg extension in this directory will be read by cloud-init.\n',
  '/var/lib/cloud/instance': { symlink: `/var/lib/cloud/instances/${INSTANCE}` },
  [`/var/lib/cloud/instances/${INSTANCE}/datasource`]: 'DataSourceEc2Local: DataSourceEc2Local\n',
  '/var/lib/cloud/data/instance-id': `${INSTANCE}\n`,
  '/etc/netplan/50-cloud-init.yaml': RENDERED_NETPLAN,
};
