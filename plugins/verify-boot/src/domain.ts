/**
 * Reads what a boot check needs from an emitted libvirt domain (NAME.xml):
 * firmware, machine, memory, disks with their bus, NICs with model and MAC.
 */
import { XMLParser } from 'fast-xml-parser';

/** Disk bus of the domain, as qemu devices will model it. */
export type BootDiskBus = 'virtio' | 'scsi' | 'sata';

/** NIC model of the domain. */
export type BootNicModel = 'virtio' | 'e1000e' | 'e1000';

/** The hardware a verify boot reproduces. */
export interface BootMachine {
  name: string;
  firmware: 'bios' | 'uefi';
  secureBoot: boolean;
  machine: 'q35' | 'pc';
  memoryMiB: number;
  vcpus: number;
  disks: { path: string; format: string; bus: BootDiskBus }[];
  nics: { model: BootNicModel; mac?: string }[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Entities are never expanded: a domain file is data, not a document to trust.
  processEntities: false,
  parseTagValue: false,
  isArray: (tagName) => ['disk', 'interface', 'feature'].includes(tagName),
});

type XmlNode = Record<string, unknown>;

function node(value: unknown): XmlNode {
  return value !== null && typeof value === 'object' ? (value as XmlNode) : {};
}

function list(value: unknown): XmlNode[] {
  return Array.isArray(value) ? value.map(node) : value === undefined ? [] : [node(value)];
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes XML's predefined and numeric character references only; declared entities stay as written. */
function decodeXmlText(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return PREDEFINED[ref] ?? whole;
  });
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return decodeXmlText(value.trim());
  if (typeof value === 'number') return String(value);
  const inner = node(value)['#text'];
  return typeof inner === 'string' || typeof inner === 'number' ? decodeXmlText(String(inner).trim()) : undefined;
}

function attribute(value: unknown, name: string): string | undefined {
  const found = node(value)[`@${name}`];
  return typeof found === 'string' ? decodeXmlText(found) : undefined;
}

/** Memory in MiB from `<memory unit='…'>`. */
function memoryMiB(memory: unknown): number | undefined {
  const amount = Number(text(memory));
  if (!Number.isFinite(amount) || amount <= 0) return undefined;
  const unit = (attribute(memory, 'unit') ?? 'KiB').toLowerCase();
  const bytes: Record<string, number> = { b: 1, bytes: 1, k: 1024, kib: 1024, m: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gib: 2 ** 30 };
  const factor = bytes[unit];
  return factor === undefined ? undefined : Math.round((amount * factor) / 2 ** 20);
}

function diskBus(value: string | undefined): BootDiskBus {
  if (value === 'scsi' || value === 'sata') return value;
  if (value === undefined || value === 'virtio') return 'virtio';
  throw new Error(`unsupported disk bus "${value}" in the domain`);
}

function nicModel(value: string | undefined): BootNicModel {
  if (value === 'e1000' || value === 'e1000e') return value;
  if (value === undefined || value === 'virtio') return 'virtio';
  throw new Error(`unsupported NIC model "${value}" in the domain`);
}

/**
 * Parses a libvirt domain document.
 * @throws {Error} when the text is not a domain or names a bus or model qemu cannot be given here.
 */
export function parseDomainXml(xml: string): BootMachine {
  const document = node(parser.parse(xml));
  const domain = node(document['domain']);
  if (Object.keys(domain).length === 0) throw new Error('not a libvirt domain: no <domain> element');
  const os = node(domain['os']);
  const loader = attribute(os['loader'], 'type');
  const firmware = attribute(os, 'firmware') === 'efi' || loader === 'pflash' ? 'uefi' : 'bios';
  const features = list(node(os['firmware'])['feature']);
  const secureBoot = features.some((f) => attribute(f, 'name') === 'secure-boot' && attribute(f, 'enabled') === 'yes');
  const machineType = attribute(os['type'], 'machine') ?? 'q35';
  const devices = node(domain['devices']);
  const disks = list(devices['disk'])
    .filter((disk) => (attribute(disk, 'device') ?? 'disk') === 'disk')
    .map((disk) => {
      const path = attribute(disk['source'], 'file');
      if (!path) throw new Error('a <disk> of the domain has no <source file=…>');
      return { path, format: attribute(disk['driver'], 'type') ?? 'raw', bus: diskBus(attribute(disk['target'], 'bus')) };
    });
  const nics = list(devices['interface']).map((nic) => {
    const mac = attribute(nic['mac'], 'address');
    return { model: nicModel(attribute(nic['model'], 'type')), ...(mac ? { mac: mac.toLowerCase() } : {}) };
  });
  return {
    name: text(domain['name']) ?? 'vm',
    firmware,
    secureBoot,
    machine: machineType.startsWith('pc') && !machineType.includes('q35') ? 'pc' : 'q35',
    memoryMiB: memoryMiB(domain['memory']) ?? 1024,
    vcpus: Math.max(1, Number(text(domain['vcpu'])) || 1),
    disks,
    nics,
  };
}
