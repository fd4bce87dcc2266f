/**
 * Keeps a netplan guest's addressing on the NIC it will have on KVM: each
 * ethernet pinned by interface name, `set-name` or a MAC that changes is
 * re-keyed to the NIC of the emitted domain.
 *
 * Policy: when the VM description gives the MACs (the domain keeps them),
 * each entry is matched by the MAC of its NIC (same MAC, else the free NIC at
 * the same position) with `set-name:` its old name, so routes, bonds, VLANs
 * and bridges naming it keep working. Without MACs, a single ethernet is
 * matched by the `virtio_net` driver; several give a warning.
 */
import { bindInterfaces, definePlugin, nicTargets, packageManifest, type NicBinding, type PlanContext } from '@hyper2kvm/core';
import { z } from 'zod';
import { findEthernets, rebindEthernets, type EthernetRebinding, type NetplanEthernet } from './netplan-ethernets.js';

const manifest = packageManifest(import.meta.url);

/** netplan reads every `*.yaml` here (and nothing else), in name order. */
const NETPLAN_FILES = '/etc/netplan/*.yaml';

const options = z.object({}).strict();

interface Located {
  file: string;
  text: string;
  entry: NetplanEthernet;
}

function rebindingFor(entry: NetplanEthernet, binding: NicBinding): EthernetRebinding | undefined {
  if (binding.kind === 'mac') return { id: entry.id, by: 'mac', mac: binding.mac, ...(binding.name ? { keepName: binding.name } : {}) };
  if (binding.kind === 'driver') return { id: entry.id, by: 'driver' };
  return undefined;
}

function reasonFor(entry: NetplanEthernet, binding: NicBinding): string {
  if (binding.kind === 'mac') {
    const name = binding.name ? ` and keep the name ${binding.name} with set-name` : '';
    return `${entry.id}: match the KVM NIC ${binding.nic} by the MAC the emitted domain keeps (${binding.mac})${name}`;
  }
  return `${entry.id}: no MAC is known for the single KVM NIC, so match it by the virtio_net driver`;
}

async function readEthernets(p: PlanContext): Promise<Located[]> {
  const located: Located[] = [];
  for (const file of (await p.guest.glob(NETPLAN_FILES)).sort()) {
    const text = await p.guest.readText(file);
    if (text !== null) located.push(...findEthernets(text).map((entry) => ({ file, text, entry })));
  }
  return located;
}

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Re-keys netplan ethernets pinned to VMware NIC names or MACs to the NICs of the KVM domain',
  options,
  appliesTo: (facts) => facts.os.type === 'linux',
  apply(hooks) {
    hooks.plan.tapPromise(manifest.name, async (p) => {
      const located = (await readEthernets(p)).filter(({ entry }) => entry.pin.name !== undefined || entry.pin.mac !== undefined);
      if (located.length === 0) return;
      const targets = await nicTargets(p.guest, p.facts);
      const bindings = bindInterfaces(
        located.map(({ entry }) => entry.pin),
        targets,
      );

      const byFile = new Map<string, { rebindings: EthernetRebinding[]; reasons: string[] }>();
      located.forEach(({ file, text, entry }, index) => {
        const binding = bindings[index]!;
        if (binding.kind === 'unmapped') {
          p.report({
            rule: 'nic-mapping-needed',
            severity: 'warning',
            message: `netplan ethernet ${entry.id} in ${file} is pinned to ${entry.pin.mac ?? entry.pin.name} but the VM description gives no MAC for the ${targets.macs.length} KVM NIC(s), so which NIC it belongs to cannot be decided`,
            hint: 'give the NIC MACs in the OVF/VMX (the emitted domain keeps them), or after the first boot on KVM match each ethernet with `match: macaddress:` and `set-name:`',
          });
          return;
        }
        const rebinding = rebindingFor(entry, binding);
        if (!rebinding || rebindEthernets(text, [rebinding]) === text) return; // already bound this way
        const edits = byFile.get(file) ?? { rebindings: [], reasons: [] };
        edits.rebindings.push(rebinding);
        edits.reasons.push(reasonFor(entry, binding));
        byFile.set(file, edits);
      });

      for (const [file, { rebindings, reasons }] of byFile) {
        await p.editFile(file, (text) => rebindEthernets(text, rebindings), `${reasons.join('; ')} (no backup is left in /etc/netplan: netplan would load it)`);
      }
    });
  },
});

export * from './netplan-ethernets.js';
