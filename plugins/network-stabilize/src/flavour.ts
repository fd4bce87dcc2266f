/**
 * What every network flavour module provides: where its files are, the NIC
 * pins a file holds, and the file rewritten for the bindings decided for them.
 */
import { normalizeMac, type InterfacePin, type NetworkFlavour, type NicBinding, type NicTargets } from '@hyper2kvm/core';

/** A pin found in a file. */
export interface FoundPin extends InterfacePin {
  /**
   * The file itself gives the NIC this name (a udev rule, a `.link` file):
   * `always`, or only while its MAC pin stays (`while-mac`, udev rules are
   * deleted otherwise).
   */
  renames?: 'always' | 'while-mac';
}

/** The binding decided for a pin, looked up by the pin's name or MAC. */
export interface BindingLookup {
  of(pin: InterfacePin): NicBinding;
}

export interface Flavour {
  id: NetworkFlavour;
  /** Files the flavour loads. */
  globs: string[];
  /** File names the flavour skips (backups); they are left alone. */
  ignores?: RegExp;
  pins(text: string, path: string): FoundPin[];
  /** The file after rebinding; `null` when nothing is left in it and it goes. */
  rebind(text: string, path: string, bindings: BindingLookup, targets: NicTargets): string | null;
}

/** Backup and editor files that ifcfg and NetworkManager skip when loading. */
export const IGNORED_BACKUPS = /(?:~|\.bak|\.orig|\.old|\.rej|\.rpmnew|\.rpmsave|\.rpmorig|\.swp|\.nmmeta)$/;

/** Builds the lookup from pins and the bindings `bindInterfaces` gave them. */
export function bindingLookup(pins: InterfacePin[], bindings: NicBinding[]): BindingLookup {
  const byName = new Map<string, NicBinding>();
  const byMac = new Map<string, NicBinding>();
  pins.forEach((pin, index) => {
    const mac = normalizeMac(pin.mac);
    if (pin.name) byName.set(pin.name, bindings[index]!);
    if (mac) byMac.set(mac, bindings[index]!);
  });
  return {
    of: (pin) => (pin.name ? byName.get(pin.name) : undefined) ?? byMac.get(normalizeMac(pin.mac) ?? '') ?? { kind: 'unchanged' },
  };
}

/** Splits text into lines, keeping whether it ended with a newline. */
export function editLines(text: string, edit: (lines: string[]) => string[]): string {
  const trailing = text.endsWith('\n');
  const lines = (trailing ? text.slice(0, -1) : text).split('\n');
  const result = edit(lines).join('\n');
  return trailing && result !== '' ? `${result}\n` : result;
}
