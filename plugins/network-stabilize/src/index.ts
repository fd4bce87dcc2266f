/**
 * Keeps a Linux guest's addressing on the NIC it will have on KVM, for the
 * network flavours other than netplan: ifupdown, ifcfg, NetworkManager
 * keyfiles, systemd-networkd, wicked and `70-persistent-net.rules`.
 *
 * Policy: interface names are kept, so every address, route, DNS setting,
 * bond, VLAN and bridge that names them stays byte for byte. MAC pins move
 * to the NIC the emitted domain has: its MAC when the VM description gives
 * one (the domain keeps it), otherwise, for a single NIC, they are dropped.
 * The old name is made true on KVM by the flavour's own rename (a udev rule,
 * a guest `.link`) or by a `.link` file matching that MAC or the virtio_net
 * driver. Several NICs without MACs cannot be mapped: a warning says so.
 */
import { bindInterfaces, definePlugin, nicTargets, packageManifest, type NicBinding, type NicTargets, type PlanContext } from '@hyper2kvm/core';
import { z } from 'zod';
import { bindingLookup, type BindingLookup, type Flavour, type FoundPin } from './flavour.js';
import { ifcfg } from './flavours/ifcfg.js';
import { ifupdown } from './flavours/ifupdown.js';
import { networkManagerKeyfile } from './flavours/keyfile.js';
import { systemdNetworkd } from './flavours/networkd.js';
import { udevPersistentNet } from './flavours/udev-rules.js';
import { wicked } from './flavours/wicked.js';
import { linkFileContent, linkFilePath } from './link-file.js';

const manifest = packageManifest(import.meta.url);

/** Every flavour this plugin repairs (netplan has its own plugin). */
export const FLAVOURS: Flavour[] = [ifupdown, ifcfg, networkManagerKeyfile, systemdNetworkd, wicked, udevPersistentNet];

const options = z.object({}).strict();

interface PinnedFile {
  flavour: Flavour;
  path: string;
  text: string;
  pins: FoundPin[];
}

type Bound = Extract<NicBinding, { kind: 'mac' | 'driver' }>;

async function readPinnedFiles(p: PlanContext): Promise<PinnedFile[]> {
  const files: PinnedFile[] = [];
  for (const flavour of FLAVOURS) {
    const paths = new Set<string>();
    for (const pattern of flavour.globs) for (const path of await p.guest.glob(pattern)) paths.add(path);
    for (const path of [...paths].sort()) {
      if (flavour.ignores?.test(path) || (await p.guest.stat(path))?.type !== 'file') continue;
      const text = (await p.guest.readText(path))!;
      const pins = flavour.pins(text, path);
      if (pins.length > 0) files.push({ flavour, path, text, pins });
    }
  }
  return files;
}

function describe(label: string, binding: Bound): string {
  return binding.kind === 'mac'
    ? `${label}: bound to the KVM NIC ${binding.nic} by the MAC the emitted domain keeps (${binding.mac})`
    : `${label}: no MAC is known for the single KVM NIC, so its MAC pin is dropped`;
}

/** The reason of a file's change: what happened to each pin in it. */
function reasonFor(file: PinnedFile, bindings: BindingLookup): string {
  const parts = new Set<string>();
  for (const pin of file.pins) {
    const binding = bindings.of(pin);
    if (binding.kind === 'mac' || binding.kind === 'driver') parts.add(describe(pin.name ?? pin.mac!, binding));
  }
  return `${[...parts].join('; ')}; the interface name is kept, so addresses, routes, bonds, VLANs and bridges stay as they are`;
}

/** Names the guest's own files keep giving the NIC after rebinding (udev rules, guest `.link` files). */
function namesRenamedByGuest(files: PinnedFile[], bindings: BindingLookup): Set<string> {
  const names = new Set<string>();
  for (const pin of files.flatMap((file) => file.pins)) {
    const kind = bindings.of(pin).kind;
    if (pin.name && ((pin.renames === 'always' && (kind === 'mac' || kind === 'driver')) || (pin.renames === 'while-mac' && kind === 'mac')))
      names.add(pin.name);
  }
  return names;
}

/** Interface names that need a `.link` file: kept by a binding, renamed by nothing in the guest, not the name KVM gives anyway. */
function namesToLink(files: PinnedFile[], bindings: BindingLookup, targets: NicTargets): Map<string, Bound> {
  const renamed = namesRenamedByGuest(files, bindings);
  const links = new Map<string, Bound>();
  for (const pin of files.flatMap((file) => file.pins)) {
    const binding = bindings.of(pin);
    if (binding.kind !== 'mac' && binding.kind !== 'driver') continue;
    const name = binding.name;
    const kvmGivesIt = name === targets.defaultName && (binding.kind === 'driver' || binding.nic === 0);
    if (name && !renamed.has(name) && !kvmGivesIt && !links.has(name)) links.set(name, binding);
  }
  return links;
}

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Moves ifupdown, ifcfg, NetworkManager, systemd-networkd, wicked and udev NIC pins to the NICs of the KVM domain, keeping interface names',
  options,
  appliesTo: (facts) => facts.os.type === 'linux',
  apply(hooks) {
    hooks.plan.tapPromise(manifest.name, async (p) => {
      const files = await readPinnedFiles(p);
      if (files.length === 0) return;
      const targets = await nicTargets(p.guest, p.facts);
      const pins = files.flatMap((file) => file.pins);
      const bindings = bindingLookup(pins, bindInterfaces(pins, targets));

      const warned = new Set<string>();
      for (const file of files) {
        for (const pin of file.pins) {
          const label = pin.name ?? pin.mac!;
          if (bindings.of(pin).kind !== 'unmapped' || warned.has(label)) continue;
          warned.add(label);
          p.report({
            rule: 'nic-mapping-needed',
            severity: 'warning',
            message: `${label} (${file.path}) is pinned to VMware hardware but the VM description gives no MAC for the ${targets.macs.length} KVM NIC(s), so which NIC it belongs to cannot be decided`,
            hint: 'give the NIC MACs in the OVF/VMX (the emitted domain keeps them), or after the first boot on KVM add a .link file per NIC naming it by its MAC',
          });
        }
      }

      for (const file of files) {
        const after = file.flavour.rebind(file.text, file.path, bindings, targets);
        if (after === null) await p.deleteFile(file.path, `${reasonFor(file, bindings)}; no rule is left in it`);
        else if (after !== file.text) await p.editFile(file.path, () => after, reasonFor(file, bindings));
      }
      for (const [name, binding] of namesToLink(files, bindings, targets)) {
        const how =
          binding.kind === 'mac' ? `the MAC the emitted domain keeps (${binding.mac})` : 'the virtio_net driver of the single KVM NIC (no MAC is known)';
        await p.writeFile(
          linkFilePath(name),
          linkFileContent(name, binding),
          `keep the interface name ${name} that the network configuration uses: the NIC matched by ${how} is named ${name}`,
        );
      }
    });
  },
});

export { linkFileContent, linkFilePath } from './link-file.js';
