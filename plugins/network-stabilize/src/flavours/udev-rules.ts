/**
 * `70-persistent-net.rules`: each rule gives the NIC with a MAC a name.
 * Kept MAC (the domain reuses it, or the NIC at its position gets a known
 * MAC): the rule is rewritten to that MAC and keeps naming the NIC. Unknown
 * MAC: the rule can never match, so it goes (the file too when no rule is
 * left) and the name is kept by a `.link` file matching the virtio driver.
 */
import { macInStyleOf } from '@hyper2kvm/core';
import { editLines, type Flavour, type FoundPin } from '../flavour.js';

const ADDRESS = /ATTR\{address\}\s*==\s*"([^"]+)"/;
const NAME = /(?:^|,)\s*NAME\s*:?=\s*"([^"]+)"/;
/** The comment write_net_rules puts above each rule. */
const DEVICE_COMMENT = /^#\s*(?:PCI|USB|net|Xen|vmbus)\b.*device/i;

function ruleOf(line: string): FoundPin | undefined {
  if (line.trim().startsWith('#')) return undefined;
  const mac = ADDRESS.exec(line)?.[1];
  const name = NAME.exec(line)?.[1];
  return mac && name ? { name, mac, renames: 'while-mac' } : undefined;
}

export const udevPersistentNet: Flavour = {
  id: 'udev-persistent-net',
  globs: ['/etc/udev/rules.d/70-persistent-net.rules'],
  pins(text) {
    return text.split('\n').flatMap((line) => ruleOf(line) ?? []);
  },
  rebind(text, _path, bindings) {
    const after = editLines(text, (lines) => {
      const out: string[] = [];
      for (const line of lines) {
        const rule = ruleOf(line);
        const binding = rule ? bindings.of(rule) : undefined;
        if (rule && binding?.kind === 'mac') {
          out.push(line.replace(ADDRESS, (all, mac: string) => all.replace(mac, macInStyleOf(binding.mac, mac))));
        } else if (rule && binding?.kind === 'driver') {
          if (out.length > 0 && DEVICE_COMMENT.test(out.at(-1)!)) out.pop();
          while (out.length > 0 && out.at(-1)!.trim() === '' && out.length > 1 && out.at(-2)!.trim() === '') out.pop();
        } else {
          out.push(line);
        }
      }
      return out;
    });
    const rulesLeft = after.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#'));
    return rulesLeft ? after : null;
  },
};
