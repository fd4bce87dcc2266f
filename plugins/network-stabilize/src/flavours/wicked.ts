/**
 * wicked XML (`/etc/wicked/ifconfig/*.xml`, SUSE): an `<interface>` names
 * its NIC by `<name>ens192</name>` or by MAC through
 * `<name namespace="ethernet"><permanent-address>…</permanent-address></name>`.
 * Plain names are kept; a MAC name follows the binding: the domain's MAC, or
 * the name the single NIC gets on KVM.
 */
import { isPhysicalInterfaceName, macInStyleOf, normalizeMac, type InterfacePin } from '@hyper2kvm/core';
import type { Flavour } from '../flavour.js';

const PLAIN_NAME = /<name>\s*([^<\s]+)\s*<\/name>/g;
const MAC_NAME = /<name\s+namespace\s*=\s*["']ethernet["']\s*>(\s*<permanent-address>\s*)([^<\s]+)(\s*<\/permanent-address>\s*)<\/name>/g;

export const wicked: Flavour = {
  id: 'wicked',
  globs: ['/etc/wicked/ifconfig/*.xml'],
  pins(text) {
    const pins: InterfacePin[] = [];
    for (const [, name] of text.matchAll(PLAIN_NAME)) if (isPhysicalInterfaceName(name!)) pins.push({ name: name! });
    for (const [, , mac] of text.matchAll(MAC_NAME)) if (normalizeMac(mac)) pins.push({ mac: mac! });
    return pins;
  },
  rebind(text, _path, bindings, targets) {
    return text.replace(MAC_NAME, (element, open: string, mac: string, close: string) => {
      const binding = bindings.of({ mac });
      if (binding.kind === 'mac') return element.replace(`${open}${mac}${close}`, `${open}${macInStyleOf(binding.mac, mac)}${close}`);
      if (binding.kind === 'driver') return `<name>${binding.name ?? targets.defaultName}</name>`;
      return element;
    });
  },
};
