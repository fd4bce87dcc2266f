/**
 * The `.link` file that keeps an interface name on KVM for flavours with no
 * rename of their own (ifupdown, ifcfg, NetworkManager, wicked, networkd
 * `.network`). systemd-udevd applies the first matching `.link` in name
 * order, so `10-` comes before the distribution's `99-default.link`.
 */
import type { NicBinding } from '@hyper2kvm/core';

/** Where the `.link` file for an interface name goes. */
export function linkFilePath(name: string): string {
  return `/etc/systemd/network/10-hyper2kvm-${name}.link`;
}

/** A `.link` naming the NIC with the domain's MAC, or the single virtio NIC, `name`. */
export function linkFileContent(name: string, binding: Extract<NicBinding, { kind: 'mac' | 'driver' }>): string {
  const match = binding.kind === 'mac' ? `MACAddress=${binding.mac}` : 'Driver=virtio_net';
  return `# Written by hyper2kvm: the network configuration of this guest names this NIC
# ${name}, as it was called on VMware; without this file it gets another name on KVM.
[Match]
${match}

[Link]
Name=${name}
`;
}
