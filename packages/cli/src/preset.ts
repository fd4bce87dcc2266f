/** The built-in preset: every official plugin, used when the config names none. */
export const OFFICIAL_PLUGINS: string[] = [
  '@hyper2kvm/plugin-windows-guard',
  '@hyper2kvm/plugin-bcd-guard',
  '@hyper2kvm/plugin-stable-device-names',
  '@hyper2kvm/plugin-initramfs-virtio',
  '@hyper2kvm/plugin-grub-regen',
  '@hyper2kvm/plugin-netplan-stabilize',
  '@hyper2kvm/plugin-network-stabilize',
  '@hyper2kvm/plugin-cloud-init',
  '@hyper2kvm/plugin-hypervisor-tools',
  '@hyper2kvm/plugin-windows-virtio',
  '@hyper2kvm/plugin-selinux-relabel',
  '@hyper2kvm/plugin-windows-firstboot',
  '@hyper2kvm/plugin-libvirt-xml',
  '@hyper2kvm/plugin-kubevirt',
  '@hyper2kvm/plugin-verify-boot',
];
