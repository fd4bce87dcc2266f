/**
 * Reads a guest's serial console and says how far the boot got. Pure: it
 * sees the text captured so far and is asked again as more arrives.
 */

/** Where a boot stands after the console text seen so far. */
export interface ConsoleVerdict {
  /** `running`: nothing decisive yet. */
  state: 'running' | 'booted' | 'failed';
  /** The guest reached multi-user or a login prompt. */
  booted: boolean;
  /** The guest reported an interface up with a global address. */
  network: boolean;
  /** Global addresses the guest reported (no prefix length). */
  addresses: string[];
  /** The guest has said all it will say about its network (the marker ended, or an address was seen). */
  networkKnown: boolean;
  /** Why it failed, or what was seen. */
  detail?: string;
  /**
   * The failure is certain but the console is still telling why (the
   * initramfs prints its ALERT lines after giving up): worth a short wait.
   */
  moreToCome?: boolean;
}

/** Lines a test guest's marker unit prints (see test-images/recipes/debian-12-bootable.mjs). */
export const MARKER_PREFIX = 'hyper2kvm-marker';

/** Strips terminal escapes and carriage returns so that patterns see plain lines. */
export function cleanConsole(raw: string): string {
  return raw
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[()][A-Z0-9]/g, '')
    .replace(/\r/g, '');
}

/** The last `count` non-empty lines of the console. */
export function consoleTail(raw: string, count = 20): string[] {
  return cleanConsole(raw)
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(-count);
}

interface FailurePattern {
  pattern: RegExp;
  /** What the detail says, given the matched line. */
  describe: (line: string, text: string) => string;
  /** More explanation usually follows on the console. */
  moreToCome?: boolean;
}

function matchedLine(text: string, pattern: RegExp): string {
  const line = text.split('\n').find((candidate) => pattern.test(candidate));
  return (line ?? '').trim();
}

/** The device the initramfs could not find, from its ALERT line. */
function missingRoot(text: string): string | undefined {
  return /ALERT!\s+(\S+) does not exist/.exec(text)?.[1];
}

const FAILURES: FailurePattern[] = [
  {
    pattern: /Kernel panic - not syncing/,
    describe: (line) => `kernel panic: ${line.replace(/^.*Kernel panic - not syncing:\s*/, '')}`,
  },
  {
    pattern: /You are in emergency mode|Give root password for maintenance|Entering emergency mode/,
    describe: (line) => `the guest dropped to systemd's emergency mode (${line})`,
  },
  {
    pattern: /Gave up waiting for root (file system )?device|ALERT!\s+\S+ does not exist/,
    describe: (_line, text) => {
      const device = missingRoot(text);
      return `root device not found${device ? `: ${device} does not exist` : ''} (the initramfs gave up waiting for it)`;
    },
    moreToCome: true,
  },
  {
    pattern: /^\(initramfs\)(\s|$)/m,
    describe: () => 'the boot stopped at the initramfs shell',
  },
  {
    pattern: /dracut-initqueue\[\d+\]: Warning: dracut-initqueue: timeout|dracut Warning: Could not boot|Entering dracut emergency shell/,
    describe: (line) => `the initramfs (dracut) could not boot the root file system (${line})`,
  },
  {
    // OVMF with no boot entry it can load (the guest's stayed in the old hypervisor's NVRAM) and no EFI/BOOT/BOOTX64.EFI.
    pattern: /BdsDxe: No bootable option or device was found|^Shell> ?$/m,
    describe: () => 'the UEFI firmware found no boot loader to start (no boot entry, no EFI/BOOT/BOOTX64.EFI on the ESP) and stopped in its shell or boot menu',
  },
  {
    pattern: /No bootable device|Boot failed: not a bootable disk|^grub rescue>/m,
    describe: (line) => `the boot loader failed: ${line}`,
  },
];

/** `ip -br addr` columns: name, state, then addresses with prefix length. */
function addressesFromIpBrief(lines: string[]): { up: boolean; addresses: string[] } {
  let up = false;
  const addresses: string[] = [];
  for (const line of lines) {
    const [name, state, ...addrs] = line.trim().split(/\s+/);
    if (!name || name === 'lo') continue;
    const global = addrs.map((a) => a.replace(/\/\d+$/, '')).filter(isGlobalAddress);
    if (global.length > 0 && state !== 'DOWN') up = true;
    addresses.push(...global);
  }
  return { up, addresses };
}

/** Loopback and link-local addresses say nothing about the network being up. */
export function isGlobalAddress(address: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return !address.startsWith('127.') && !address.startsWith('169.254.');
  if (address.includes(':')) return address !== '::1' && !/^fe[89ab][0-9a-f]:/i.test(address);
  return false;
}

/** Addresses from what other guests print: dhclient, cloud-init's table, `inet` lines. */
function addressesFromOtherLines(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bbound to (\d{1,3}(?:\.\d{1,3}){3})/g,
    /\bDHCPACK of (\d{1,3}(?:\.\d{1,3}){3})/g,
    /\binet (\d{1,3}(?:\.\d{1,3}){3})\/\d+/g,
    /\|\s*\S+\s*\|\s*True\s*\|\s*(\d{1,3}(?:\.\d{1,3}){3})\s*\|/g,
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) if (match[1] && isGlobalAddress(match[1])) found.push(match[1]);
  return found;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * Decides from the console text seen so far.
 *
 * Failed: kernel panic, root device not found, emergency or initramfs shell,
 * boot loader errors. Booted: a login prompt, `Reached target … Multi-User`,
 * or the test guests' marker. Network: the marker's `ip -br addr` lines, else
 * DHCP or `inet` lines; a marker without a global address means the network
 * did not come up.
 */
export function judgeConsole(raw: string): ConsoleVerdict {
  const text = cleanConsole(raw);
  const markerDone = text.includes(`${MARKER_PREFIX}: done`);
  // Addresses come from whole lines only: a line still arriving may have `10.0.2.1` of `10.0.2.15/24` so far.
  const wholeLines = text.slice(0, text.lastIndexOf('\n') + 1);
  const markerLines = wholeLines
    .split('\n')
    .filter((line) => line.includes(`${MARKER_PREFIX}-addr:`))
    .map((line) => line.slice(line.indexOf(`${MARKER_PREFIX}-addr:`) + `${MARKER_PREFIX}-addr:`.length));
  const fromMarker = addressesFromIpBrief(markerLines);
  const addresses = unique([...fromMarker.addresses, ...addressesFromOtherLines(wholeLines)]);
  const network = fromMarker.up || addressesFromOtherLines(wholeLines).length > 0;
  const booted = text.includes(`${MARKER_PREFIX}: network-online`) || /\S+ login:\s*$/m.test(text) || /Reached target .*Multi-User System/.test(text);

  for (const failure of FAILURES) {
    if (!failure.pattern.test(text)) continue;
    // A panic or shell after a full boot (at shutdown, say) still counts as a failed boot.
    const line = matchedLine(text, failure.pattern);
    return {
      state: 'failed',
      booted: false,
      network: false,
      addresses: [],
      networkKnown: true,
      detail: failure.describe(line, text),
      ...(failure.moreToCome && !/^\(initramfs\)(\s|$)/m.test(text) ? { moreToCome: true } : {}),
    };
  }
  if (!booted) return { state: 'running', booted: false, network, addresses, networkKnown: false };
  const networkKnown = markerDone || network;
  const detail = markerDone && !network ? 'the guest came up but reported no interface with a global address' : undefined;
  return { state: 'booted', booted: true, network, addresses, networkKnown, ...(detail ? { detail } : {}) };
}
