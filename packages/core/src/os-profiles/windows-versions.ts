/**
 * The Windows version table: which virtio-win directory, which way of binding
 * the boot storage driver and which first-boot mechanism fit a Windows
 * release. Adding a Windows version is adding a row (plus a test image and a
 * changeset). Facts from shared/reference/windows-virtio.md.
 */
import type { WindowsFacts } from '../facts.js';

/** Architecture directory names of virtio-win. */
export type VirtioWinArch = 'x86' | 'amd64' | 'ARM64';

/** Where the PCI IDs of the boot storage controller are bound to its service. */
export type DeviceBinding = 'CriticalDeviceDatabase' | 'DriverDatabase';

/**
 * How first-boot work is run: a real service wrapper (never cmd.exe as a
 * service binary), with pnputil's legacy syntax (`pnputil -i -a`, before
 * Windows 10) or its modern one (`pnputil /add-driver … /subdirs /install`).
 */
export type FirstBootMechanism = 'service-wrapper-pnputil-legacy' | 'service-wrapper-pnputil';

export interface WindowsVersionRow {
  /** Human name, for reports. */
  name: string;
  /** NT version as WindowsFacts.ntVersion has it, e.g. `6.1`, `10.0`. */
  ntVersion: string;
  /** First build of this release (inclusive). */
  buildMin: number;
  /** Last build (inclusive); open-ended when absent. */
  buildMax?: number;
  installationType: 'client' | 'server';
  /** Architectures virtio-win ships drivers for, for this release. */
  arch: VirtioWinArch[];
  /** OS directory under `/<DriverDir>/` of virtio-win. */
  virtioWinDir: string;
  deviceBinding: DeviceBinding;
  firstBoot: FirstBootMechanism;
}

const LEGACY = 'service-wrapper-pnputil-legacy' as const;
const MODERN = 'service-wrapper-pnputil' as const;

/** Windows 7 / Server 2008 R2 through Windows 11 / Server 2025. */
export const WINDOWS_VERSIONS: readonly WindowsVersionRow[] = [
  {
    name: 'Windows 7',
    ntVersion: '6.1',
    buildMin: 7600,
    installationType: 'client',
    arch: ['x86', 'amd64'],
    virtioWinDir: 'w7',
    deviceBinding: 'CriticalDeviceDatabase',
    firstBoot: LEGACY,
  },
  {
    name: 'Windows Server 2008 R2',
    ntVersion: '6.1',
    buildMin: 7600,
    installationType: 'server',
    arch: ['amd64'],
    virtioWinDir: '2k8R2',
    deviceBinding: 'CriticalDeviceDatabase',
    firstBoot: LEGACY,
  },
  {
    name: 'Windows 8',
    ntVersion: '6.2',
    buildMin: 9200,
    installationType: 'client',
    arch: ['x86', 'amd64'],
    virtioWinDir: 'w8',
    deviceBinding: 'DriverDatabase',
    firstBoot: LEGACY,
  },
  {
    name: 'Windows Server 2012',
    ntVersion: '6.2',
    buildMin: 9200,
    installationType: 'server',
    arch: ['amd64'],
    virtioWinDir: '2k12',
    deviceBinding: 'DriverDatabase',
    firstBoot: LEGACY,
  },
  {
    name: 'Windows 8.1',
    ntVersion: '6.3',
    buildMin: 9600,
    installationType: 'client',
    arch: ['x86', 'amd64'],
    virtioWinDir: 'w8.1',
    deviceBinding: 'DriverDatabase',
    firstBoot: LEGACY,
  },
  {
    name: 'Windows Server 2012 R2',
    ntVersion: '6.3',
    buildMin: 9600,
    installationType: 'server',
    arch: ['amd64'],
    virtioWinDir: '2k12R2',
    deviceBinding: 'DriverDatabase',
    firstBoot: LEGACY,
  },
  {
    name: 'Windows 10',
    ntVersion: '10.0',
    buildMin: 10240,
    buildMax: 21999,
    installationType: 'client',
    arch: ['x86', 'amd64', 'ARM64'],
    virtioWinDir: 'w10',
    deviceBinding: 'DriverDatabase',
    firstBoot: MODERN,
  },
  {
    name: 'Windows 11',
    ntVersion: '10.0',
    buildMin: 22000,
    installationType: 'client',
    arch: ['amd64', 'ARM64'],
    virtioWinDir: 'w11',
    deviceBinding: 'DriverDatabase',
    firstBoot: MODERN,
  },
  {
    name: 'Windows Server 2016',
    ntVersion: '10.0',
    buildMin: 14393,
    buildMax: 17762,
    installationType: 'server',
    arch: ['amd64'],
    virtioWinDir: '2k16',
    deviceBinding: 'DriverDatabase',
    firstBoot: MODERN,
  },
  {
    name: 'Windows Server 2019',
    ntVersion: '10.0',
    buildMin: 17763,
    buildMax: 20347,
    installationType: 'server',
    arch: ['amd64'],
    virtioWinDir: '2k19',
    deviceBinding: 'DriverDatabase',
    firstBoot: MODERN,
  },
  {
    name: 'Windows Server 2022',
    ntVersion: '10.0',
    buildMin: 20348,
    buildMax: 26099,
    installationType: 'server',
    arch: ['amd64'],
    virtioWinDir: '2k22',
    deviceBinding: 'DriverDatabase',
    firstBoot: MODERN,
  },
  {
    name: 'Windows Server 2025',
    ntVersion: '10.0',
    buildMin: 26100,
    installationType: 'server',
    arch: ['amd64'],
    virtioWinDir: '2k25',
    deviceBinding: 'DriverDatabase',
    firstBoot: MODERN,
  },
];

/** virtio-win's architecture directory for an architecture as inspection reports it (`x86_64`, `i386`…); undefined when unknown. */
export function virtioWinArch(arch: string): VirtioWinArch | undefined {
  const name = arch.trim().toLowerCase();
  if (name === 'x86_64' || name === 'amd64' || name === 'x64') return 'amd64';
  if (name === 'i386' || name === 'i486' || name === 'i586' || name === 'i686' || name === 'x86') return 'x86';
  if (name === 'aarch64' || name === 'arm64') return 'ARM64';
  return undefined;
}

/** A row of the table together with the architecture directory chosen. */
export interface WindowsVersionMatch extends WindowsVersionRow {
  virtioWinArch: VirtioWinArch;
}

/**
 * The row of a Windows guest, or undefined when the table has none (older
 * or unknown release, an architecture virtio-win has no drivers for).
 */
export function windowsVersionFor(
  windows: Pick<WindowsFacts, 'ntVersion' | 'build' | 'installationType'>,
  arch: string,
  table: readonly WindowsVersionRow[] = WINDOWS_VERSIONS,
): WindowsVersionMatch | undefined {
  const dir = virtioWinArch(arch);
  if (!dir) return undefined;
  const row = table.find(
    (candidate) =>
      candidate.ntVersion === windows.ntVersion.trim() &&
      candidate.installationType === windows.installationType &&
      // Build 0: unknown build; the NT version and type alone decide when one row fits.
      (windows.build === 0
        ? table.filter((other) => other.ntVersion === candidate.ntVersion && other.installationType === candidate.installationType).length === 1
        : windows.build >= candidate.buildMin && (candidate.buildMax === undefined || windows.build <= candidate.buildMax)),
  );
  if (!row || !row.arch.includes(dir)) return undefined;
  return { ...row, virtioWinArch: dir };
}
