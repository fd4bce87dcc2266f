import type { CpuTopology, DeviceAddress, Firmware, VmCdromDescription, VmDiskDescription, VmNicDescription } from '@hyper2kvm/core';
import { InputError } from '@hyper2kvm/core';
import { vmwareGenid } from './ovf.js';

/** A disk a VMX attaches. */
export interface VmxDisk {
  /** Device key as written in the VMX, e.g. `scsi0:1`. */
  device: string;
  /** Disk file name as written (usually relative to the VMX folder). */
  fileName: string;
  controller: NonNullable<VmDiskDescription['controller']>;
  address: DeviceAddress;
}

/** The VM a VMX describes. */
export interface VmxDescription {
  name?: string;
  vcpus: number;
  topology?: CpuTopology;
  memoryMiB?: number;
  firmware: Firmware;
  secureBoot: boolean;
  genid?: string;
  vtpm: boolean;
  disks: VmxDisk[];
  cdroms: VmCdromDescription[];
  nics: VmNicDescription[];
}

const BUS_ORDER = ['scsi', 'sata', 'nvme', 'ide'] as const;
const DISK_KEY = /^(scsi|sata|nvme|ide)(\d+):(\d+)\.filename$/;
const NIC_KEY = /^ethernet(\d+)\.present$/;

/** Reads VMX `key = "value"` lines into a map with lower-case keys. */
export function parseVmxEntries(text: string, file: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([^=\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))\s*$/.exec(line);
    if (!match) throw new InputError(file, `VMX line ${index + 1} is not a key = "value" pair`);
    const key = (match[1] ?? '').toLowerCase();
    const value = match[2] !== undefined ? decodeVmxValue(match[2]) : (match[3] ?? '');
    entries.set(key, value);
  }
  return entries;
}

/** VMware writes special characters as `|XX` hex escapes of their UTF-8 bytes. */
function decodeVmxValue(value: string): string {
  return value.replace(/(?:\|[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/\|/g, ''), 'hex').toString('utf8'));
}

/** Parses a VMware `.vmx` file. `file` names it in errors. */
export function parseVmx(text: string, file: string): VmxDescription {
  const entries = parseVmxEntries(text, file);
  const isTrue = (key: string): boolean => (entries.get(key) ?? '').toLowerCase() === 'true';
  const isNotFalse = (key: string): boolean => (entries.get(key) ?? 'true').toLowerCase() !== 'false';

  const description: VmxDescription = {
    vcpus: 1,
    firmware: (entries.get('firmware') ?? '').toLowerCase() === 'efi' ? 'uefi' : 'bios',
    secureBoot: isTrue('uefi.secureboot.enabled'),
    vtpm: isTrue('vtpm.present'),
    disks: [],
    cdroms: [],
    nics: [],
  };
  const name = entries.get('displayname');
  if (name !== undefined && name !== '') description.name = name;
  const vcpus = Number(entries.get('numvcpus'));
  if (Number.isInteger(vcpus) && vcpus > 0) description.vcpus = vcpus;
  const memory = Number(entries.get('memsize'));
  if (Number.isInteger(memory) && memory > 0) description.memoryMiB = memory;
  const cores = Number(entries.get('cpuid.corespersocket'));
  if (Number.isInteger(cores) && cores > 0 && description.vcpus % cores === 0) {
    description.topology = { sockets: description.vcpus / cores, cores, threads: 1 };
  }
  const genid = vmwareGenid(entries.get('vm.genid'), entries.get('vm.genidx'));
  if (genid !== undefined) description.genid = genid;

  const disks: { disk: VmxDisk; order: number[] }[] = [];
  const cdroms: { cdrom: VmCdromDescription; order: number[] }[] = [];
  for (const [key, value] of entries) {
    const match = DISK_KEY.exec(key);
    if (!match) continue;
    const bus = match[1] as (typeof BUS_ORDER)[number];
    const device = `${bus}${match[2]}:${match[3]}`;
    if (!isNotFalse(`${device}.present`) || !isNotFalse(`${bus}${match[2]}.present`)) continue;
    const deviceType = (entries.get(`${device}.devicetype`) ?? '').toLowerCase();
    const order = [BUS_ORDER.indexOf(bus), Number(match[2]), Number(match[3])];
    const address = { bus: Number(match[2]), unit: Number(match[3]) };
    if (deviceType.includes('cdrom') || /\.iso$/i.test(value)) {
      cdroms.push({ cdrom: { controller: bus, address, ...(deviceType === 'cdrom-image' || /\.iso$/i.test(value) ? { image: value } : {}) }, order });
      continue;
    }
    if (deviceType.includes('floppy') || value === '') continue;
    disks.push({ disk: { device, fileName: value, controller: bus, address }, order });
  }
  disks.sort((a, b) => compareOrder(a.order, b.order));
  description.disks = disks.map((entry) => entry.disk);
  cdroms.sort((a, b) => compareOrder(a.order, b.order));
  description.cdroms = cdroms.map((entry) => entry.cdrom);

  const nicIndexes: number[] = [];
  for (const [key, value] of entries) {
    const match = NIC_KEY.exec(key);
    if (match && value.toLowerCase() === 'true') nicIndexes.push(Number(match[1]));
  }
  nicIndexes.sort((a, b) => a - b);
  description.nics = nicIndexes.map((index) => readNic(entries, `ethernet${index}`));
  return description;
}

function readNic(entries: Map<string, string>, prefix: string): VmNicDescription {
  const nic: VmNicDescription = {};
  const addressType = (entries.get(`${prefix}.addresstype`) ?? '').toLowerCase();
  const staticAddress = entries.get(`${prefix}.address`);
  const generated = entries.get(`${prefix}.generatedaddress`);
  const mac = addressType === 'static' ? (staticAddress ?? generated) : (generated ?? staticAddress);
  if (mac !== undefined && mac !== '') nic.mac = mac.toLowerCase().replace(/-/g, ':');
  const model = entries.get(`${prefix}.virtualdev`);
  if (model !== undefined && model !== '') nic.model = model.toLowerCase();
  const network = entries.get(`${prefix}.networkname`);
  if (network !== undefined && network !== '') nic.network = network;
  return nic;
}

function compareOrder(a: number[], b: number[]): number {
  for (let index = 0; index < a.length; index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
