import type { CpuTopology, DeviceAddress, Firmware, VmCdromDescription, VmDiskDescription, VmNicDescription } from '@hyper2kvm/core';
import { InputError } from '@hyper2kvm/core';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { checkMemberName } from './tar-index.js';
import { hasQemuProtocol } from './safe-path.js';

/** A disk an OVF declares, joined with its file reference and controller. */
export interface OvfDisk {
  diskId: string;
  /** File name from `References/File@href`, relative to the OVF (or an OVA member name). */
  href?: string;
  /** `File@compression` (e.g. `gzip`) when the file is stored compressed. */
  compression?: string;
  /** `File@chunkSize`: the file is split into members `href.000000000`, `href.000000001`, … of this size. */
  chunkSize?: number;
  /** Where the disk sat: its controller's bus number and `AddressOnParent`. */
  address?: DeviceAddress;
  /** Declared capacity in bytes. */
  capacityBytes?: number;
  /** `Disk@format` URL (tells streamOptimized VMDK apart, for instance). */
  format?: string;
  controller: NonNullable<VmDiskDescription['controller']>;
}

/** The VM an OVF describes. */
export interface OvfDescription {
  name?: string;
  vcpus?: number;
  topology?: CpuTopology;
  memoryMiB?: number;
  firmware?: Firmware;
  secureBoot?: boolean;
  genid?: string;
  /** Disks in the order the virtual hardware lists them, then any unattached ones. */
  disks: OvfDisk[];
  cdroms: VmCdromDescription[];
  nics: VmNicDescription[];
}

type XmlNode = Record<string, unknown>;

const ARRAY_ELEMENTS = new Set(['VirtualSystem', 'Item', 'EthernetPortItem', 'StorageItem', 'File', 'Disk', 'Config', 'ExtraConfig']);

/**
 * Parses an OVF envelope. Entities are never expanded: a document that
 * declares any is refused. `file` names the OVF in errors.
 */
export function parseOvf(xml: string, file: string): OvfDescription {
  if (/<!ENTITY/i.test(xml)) {
    throw new InputError(file, 'OVF declares XML entities (<!ENTITY>), which are refused');
  }
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    throw new InputError(file, `OVF is not well-formed XML: ${validation.err.msg} (line ${validation.err.line})`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    processEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: (tagName) => ARRAY_ELEMENTS.has(tagName),
  });
  const document = parser.parse(xml) as XmlNode;
  const envelope = node(document['Envelope']);
  if (envelope === undefined) throw new InputError(file, 'not an OVF: no Envelope element');
  if (envelope['VirtualSystemCollection'] !== undefined) {
    throw new InputError(file, 'OVF holds a collection of virtual machines; convert one VM at a time');
  }
  const systems = nodes(envelope['VirtualSystem']);
  const system = systems[0];
  if (system === undefined) throw new InputError(file, 'OVF has no VirtualSystem');
  if (systems.length > 1) throw new InputError(file, `OVF holds ${systems.length} virtual machines; convert one at a time`);

  const files = new Map<string, XmlNode>();
  for (const entry of nodes(node(envelope['References'])?.['File'])) {
    const id = attribute(entry, 'id');
    if (id !== undefined) files.set(id, entry);
  }
  const declaredDisks = new Map<string, OvfDisk>();
  for (const entry of nodes(node(envelope['DiskSection'])?.['Disk'])) {
    const diskId = attribute(entry, 'diskId');
    if (diskId === undefined) continue;
    declaredDisks.set(diskId, readDisk(entry, diskId, files, file));
  }

  const hardware = node(system['VirtualHardwareSection']);
  const items = [...nodes(hardware?.['Item']), ...nodes(hardware?.['StorageItem']), ...nodes(hardware?.['EthernetPortItem'])];
  const byInstance = new Map<string, XmlNode>();
  for (const item of items) {
    const id = text(item['InstanceID']);
    if (id !== undefined) byInstance.set(id, item);
  }

  const description: OvfDescription = { disks: [], cdroms: [], nics: [] };
  const name = text(system['Name']) ?? attribute(system, 'id');
  if (name !== undefined) description.name = name;
  const attached = new Set<string>();
  for (const item of items) {
    const resourceType = text(item['ResourceType']);
    if (resourceType === '3') {
      const count = Number(text(item['VirtualQuantity']));
      if (Number.isInteger(count) && count > 0) description.vcpus = count;
      const cores = Number(text(item['CoresPerSocket']));
      if (Number.isInteger(count) && count > 0 && Number.isInteger(cores) && cores > 0 && count % cores === 0) {
        description.topology = { sockets: count / cores, cores, threads: 1 };
      }
    } else if (resourceType === '4') {
      const quantity = Number(text(item['VirtualQuantity']));
      const unit = allocationUnitBytes(text(item['AllocationUnits']) ?? 'byte * 2^20', file);
      if (Number.isFinite(quantity) && quantity > 0) description.memoryMiB = Math.round((quantity * unit) / 2 ** 20);
    } else if (resourceType === '17') {
      const diskId = diskIdFromHostResource(text(item['HostResource']));
      const disk = diskId === undefined ? undefined : declaredDisks.get(diskId);
      if (disk === undefined || diskId === undefined || attached.has(diskId)) continue;
      attached.add(diskId);
      const controller = controllerItem(item, byInstance);
      disk.controller = controllerOf(controller);
      const address = addressOf(item, controller);
      if (address !== undefined) disk.address = address;
      description.disks.push(disk);
    } else if (resourceType === '15' || resourceType === '16') {
      const controller = controllerItem(item, byInstance);
      const cdrom: VmCdromDescription = { controller: controllerOf(controller) };
      const address = addressOf(item, controller);
      if (address !== undefined) cdrom.address = address;
      const fileId = /^(?:ovf:)?\/file\/(.+)$/.exec(text(item['HostResource']) ?? '')?.[1];
      const image = fileId === undefined ? undefined : attribute(files.get(fileId) ?? {}, 'href');
      if (image !== undefined) cdrom.image = image;
      description.cdroms.push(cdrom);
    } else if (resourceType === '10') {
      description.nics.push(readNic(item));
    }
  }
  for (const [diskId, disk] of declaredDisks) if (!attached.has(diskId)) description.disks.push(disk);

  const settings = new Map<string, string>();
  for (const entry of [...nodes(hardware?.['Config']), ...nodes(hardware?.['ExtraConfig'])]) {
    const key = attribute(entry, 'key');
    const value = attribute(entry, 'value');
    if (key !== undefined && value !== undefined) settings.set(key.toLowerCase(), value);
  }
  const firmware = settings.get('firmware');
  if (firmware !== undefined) description.firmware = firmware.toLowerCase() === 'efi' ? 'uefi' : 'bios';
  const secureBoot = settings.get('uefi.secureboot.enabled');
  if (secureBoot !== undefined) description.secureBoot = secureBoot.toLowerCase() === 'true';
  const genid = vmwareGenid(settings.get('vm.genid'), settings.get('vm.genidx'));
  if (genid !== undefined) description.genid = genid;
  return description;
}

/**
 * The VM generation ID as a GUID from the two signed 64-bit decimal halves
 * VMware stores (`vm.genid` low, `vm.genidX` high), in the byte order that
 * keeps the ID Windows reads the same on QEMU (the conversion documented
 * with QEMU's vmgenid device and used by virt-v2v).
 */
export function vmwareGenid(low: string | undefined, high: string | undefined): string | undefined {
  if (low === undefined || high === undefined || !/^-?\d+$/.test(low.trim()) || !/^-?\d+$/.test(high.trim())) return undefined;
  const hex = (value: string): string => BigInt.asUintN(64, BigInt(value.trim())).toString(16).padStart(16, '0');
  const digits = hex(low) + hex(high);
  const at = (start: number, length: number): string => digits.slice(start, start + length);
  const reversedBytes = (start: number, count: number): string => Array.from({ length: count }, (_, index) => at(start + (count - 1 - index) * 2, 2)).join('');
  return `${at(8, 8)}-${at(4, 4)}-${at(0, 4)}-${reversedBytes(28, 2)}-${reversedBytes(16, 6)}`;
}

/**
 * Bytes per unit for a DMTF programmatic unit (`byte * 2^20`, `byte * 1024`)
 * or the common shorthands (`MB`, `MegaBytes`, `GB`…).
 */
export function allocationUnitBytes(unit: string, file: string): number {
  const compact = unit.replace(/\s+/g, '').toLowerCase();
  const programmatic = /^byte(?:\*(\d+)(?:\^(\d+))?)?$/.exec(compact);
  if (programmatic) {
    const base = Number(programmatic[1] ?? 1);
    const exponent = Number(programmatic[2] ?? 1);
    return base ** exponent;
  }
  const shorthand: Record<string, number> = {
    b: 1,
    bytes: 1,
    kb: 2 ** 10,
    kilobytes: 2 ** 10,
    mb: 2 ** 20,
    megabytes: 2 ** 20,
    gb: 2 ** 30,
    gigabytes: 2 ** 30,
    tb: 2 ** 40,
    terabytes: 2 ** 40,
  };
  const bytes = shorthand[compact];
  if (bytes === undefined) throw new InputError(file, `OVF allocation unit "${unit}" is not understood`);
  return bytes;
}

function readDisk(entry: XmlNode, diskId: string, files: Map<string, XmlNode>, file: string): OvfDisk {
  const disk: OvfDisk = { diskId, controller: 'unknown' };
  const capacity = Number(attribute(entry, 'capacity'));
  if (Number.isFinite(capacity) && capacity > 0) {
    disk.capacityBytes = capacity * allocationUnitBytes(attribute(entry, 'capacityAllocationUnits') ?? 'byte', file);
  }
  const format = attribute(entry, 'format');
  if (format !== undefined) disk.format = format;
  const fileRef = attribute(entry, 'fileRef');
  if (fileRef === undefined) return disk; // a blank disk created on import
  const reference = files.get(fileRef);
  const href = reference === undefined ? undefined : attribute(reference, 'href');
  if (href === undefined) throw new InputError(file, `OVF disk "${diskId}" refers to unknown file "${fileRef}"`);
  if (hasQemuProtocol(href)) throw new InputError(file, `disk file "${href}" is not a local file name`);
  checkMemberName(href, file);
  disk.href = href;
  const compression = reference === undefined ? undefined : attribute(reference, 'compression');
  if (compression !== undefined && compression !== 'identity') disk.compression = compression;
  const chunkSize = Number(reference === undefined ? undefined : attribute(reference, 'chunkSize'));
  if (Number.isSafeInteger(chunkSize) && chunkSize > 0) disk.chunkSize = chunkSize;
  return disk;
}

function readNic(item: XmlNode): VmNicDescription {
  const nic: VmNicDescription = {};
  const address = text(item['Address']);
  if (address !== undefined && address !== '') nic.mac = address.toLowerCase().replace(/-/g, ':');
  const model = text(item['ResourceSubType']);
  if (model !== undefined && model !== '') nic.model = model.toLowerCase();
  const network = text(item['Connection']);
  if (network !== undefined && network !== '') nic.network = network;
  return nic;
}

function controllerItem(item: XmlNode, byInstance: Map<string, XmlNode>): XmlNode | undefined {
  const parent = text(item['Parent']);
  return parent === undefined ? undefined : byInstance.get(parent);
}

/** Bus number of the controller (its `Address`, default 0) and the device's `AddressOnParent`. */
function addressOf(item: XmlNode, controller: XmlNode | undefined): DeviceAddress | undefined {
  const unit = Number(text(item['AddressOnParent']));
  if (!Number.isInteger(unit) || unit < 0 || text(item['AddressOnParent']) === '') return undefined;
  const bus = Number(text(controller?.['Address']) ?? 0);
  return { bus: Number.isInteger(bus) && bus >= 0 ? bus : 0, unit };
}

function controllerOf(controller: XmlNode | undefined): NonNullable<VmDiskDescription['controller']> {
  if (controller === undefined) return 'unknown';
  const subtype = (text(controller['ResourceSubType']) ?? '').toLowerCase();
  if (subtype.includes('nvme')) return 'nvme';
  if (subtype.includes('virtio')) return 'virtio';
  switch (text(controller['ResourceType'])) {
    case '5':
      return 'ide';
    case '6':
      return 'scsi';
    case '20':
      return 'sata';
    default:
      return 'unknown';
  }
}

function diskIdFromHostResource(resource: string | undefined): string | undefined {
  if (resource === undefined) return undefined;
  const match = /^(?:ovf:)?\/disk\/(.+)$/.exec(resource.trim());
  return match?.[1];
}

function node(value: unknown): XmlNode | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as XmlNode) : undefined;
}

function nodes(value: unknown): XmlNode[] {
  if (Array.isArray(value)) return value.filter((entry): entry is XmlNode => node(entry) !== undefined);
  const single = node(value);
  return single === undefined ? [] : [single];
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  const element = node(value);
  if (element !== undefined && element['#text'] !== undefined) return text(element['#text']);
  if (element !== undefined) return '';
  return undefined;
}

function attribute(element: XmlNode, name: string): string | undefined {
  const value = element[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}
