/** The built-in preset: every official plugin, used when the config names none. */
export const OFFICIAL_PLUGINS: string[] = ['@hyper2kvm/plugin-stable-device-names', '@hyper2kvm/plugin-libvirt-xml', '@hyper2kvm/plugin-kubevirt'];
