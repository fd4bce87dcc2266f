/** Builds a libvirt domain document from facts and converted disks. Pure: unit-tested beside. */
import { networkTargetFor, type CpuTopology, type GuestFacts, type NetworkMap, type NetworkTarget, type OutputDisk, type VmDescription } from '@hyper2kvm/core';

export type DiskBus = 'virtio' | 'scsi' | 'sata';
export type NicModel = 'virtio' | 'e1000e' | 'e1000';

export interface DomainSpec {
  name: string;
  memoryMiB: number;
  vcpus: number;
  /** Sockets × cores × threads as the source had them; absent: libvirt's default (one socket per vCPU). */
  topology?: CpuTopology;
  /** VM generation ID (libvirt `<genid>`), kept so Windows sees the same VM. */
  genid?: string;
  firmware: 'bios' | 'uefi';
  secureBoot: boolean;
  machine: 'q35' | 'pc';
  diskBus: DiskBus;
  nicModel: NicModel;
  /** The NICs in order: MAC (`undefined` lets libvirt choose) and what each attaches to. */
  nics: DomainNic[];
  disks: { path: string; format: 'qcow2' | 'raw' }[];
  clock: 'utc' | 'localtime';
  video: 'virtio' | 'vga';
  /** Extra CD-ROM (virtio-win ISO for a Windows bootstrap boot). */
  cdrom?: string;
}

export interface DomainNic {
  mac?: string;
  target: NetworkTarget;
}

/**
 * One NIC per source NIC, attached where `networkMap` sends its source
 * network, else to `fallback`; one NIC on `fallback` when the export names none.
 */
export function nicsOf(vm: VmDescription | undefined, networkMap: NetworkMap, fallback: NetworkTarget): DomainNic[] {
  const nics = vm && vm.nics.length > 0 ? vm.nics : [{}];
  return nics.map((nic) => ({
    ...('mac' in nic && nic.mac ? { mac: nic.mac } : {}),
    target: networkTargetFor(networkMap, 'network' in nic ? nic.network : undefined) ?? fallback,
  }));
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const diskPrefix: Record<DiskBus, string> = { virtio: 'vd', scsi: 'sd', sata: 'sd' };

function diskTarget(bus: DiskBus, index: number): string {
  let name = '';
  let n = index;
  do {
    name = String.fromCharCode(97 + (n % 26)) + name;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return diskPrefix[bus] + name;
}

/** Machine, clock and video chosen from what the guest is. */
export function guestDefaults(facts: GuestFacts): Pick<DomainSpec, 'machine' | 'clock' | 'video'> {
  const windows = facts.os.type === 'windows';
  // Windows before 8 / 2012 predates q35 support in its inbox drivers.
  const oldWindows = windows && facts.windows !== undefined && Number.parseFloat(facts.windows.ntVersion) < 6.2;
  const oldLinux = facts.linux !== undefined && facts.linux.family === 'rhel' && facts.linux.version.major > 0 && facts.linux.version.major < 7;
  return { machine: oldWindows || oldLinux ? 'pc' : 'q35', clock: windows ? 'localtime' : 'utc', video: windows ? 'vga' : 'virtio' };
}

export function renderDomainXml(spec: DomainSpec): string {
  const lines: string[] = [];
  const add = (line: string): void => void lines.push(line);
  add(`<domain type='kvm'>`);
  add(`  <name>${escapeXml(spec.name)}</name>`);
  if (spec.genid) add(`  <genid>${escapeXml(spec.genid)}</genid>`);
  add(`  <memory unit='MiB'>${spec.memoryMiB}</memory>`);
  add(`  <currentMemory unit='MiB'>${spec.memoryMiB}</currentMemory>`);
  add(`  <vcpu placement='static'>${spec.vcpus}</vcpu>`);
  add(spec.firmware === 'uefi' ? `  <os firmware='efi'>` : `  <os>`);
  add(`    <type arch='x86_64' machine='${spec.machine}'>hvm</type>`);
  if (spec.firmware === 'uefi') {
    add(`    <firmware>`);
    add(`      <feature enabled='${spec.secureBoot ? 'yes' : 'no'}' name='secure-boot'/>`);
    add(`      <feature enabled='${spec.secureBoot ? 'yes' : 'no'}' name='enrolled-keys'/>`);
    add(`    </firmware>`);
  }
  add(`    <boot dev='hd'/>`);
  add(`  </os>`);
  add(`  <features>`);
  add(`    <acpi/>`);
  add(`    <apic/>`);
  if (spec.firmware === 'uefi' && spec.secureBoot) add(`    <smm state='on'/>`);
  add(`  </features>`);
  if (spec.topology && spec.topology.sockets * spec.topology.cores * spec.topology.threads === spec.vcpus) {
    add(`  <cpu mode='host-model'>`);
    add(`    <topology sockets='${spec.topology.sockets}' dies='1' cores='${spec.topology.cores}' threads='${spec.topology.threads}'/>`);
    add(`  </cpu>`);
  } else {
    add(`  <cpu mode='host-model'/>`);
  }
  add(`  <clock offset='${spec.clock}'/>`);
  add(`  <on_poweroff>destroy</on_poweroff>`);
  add(`  <on_reboot>restart</on_reboot>`);
  add(`  <on_crash>destroy</on_crash>`);
  add(`  <devices>`);
  if (spec.diskBus === 'scsi') add(`    <controller type='scsi' index='0' model='virtio-scsi'/>`);
  spec.disks.forEach((disk, index) => {
    add(`    <disk type='file' device='disk'>`);
    add(`      <driver name='qemu' type='${disk.format}' discard='unmap'/>`);
    add(`      <source file='${escapeXml(disk.path)}'/>`);
    add(`      <target dev='${diskTarget(spec.diskBus, index)}' bus='${spec.diskBus}'/>`);
    add(`    </disk>`);
  });
  if (spec.cdrom) {
    add(`    <disk type='file' device='cdrom'>`);
    add(`      <driver name='qemu' type='raw'/>`);
    add(`      <source file='${escapeXml(spec.cdrom)}'/>`);
    add(`      <target dev='sd${String.fromCharCode(97 + spec.disks.length)}' bus='sata'/>`);
    add(`      <readonly/>`);
    add(`    </disk>`);
  }
  for (const nic of spec.nics) {
    add(`    <interface type='${nic.target.type}'>`);
    if (nic.mac) add(`      <mac address='${escapeXml(nic.mac)}'/>`);
    add(`      <source ${nic.target.type}='${escapeXml(nic.target.name)}'/>`);
    add(`      <model type='${spec.nicModel}'/>`);
    add(`    </interface>`);
  }
  add(`    <serial type='pty'>`);
  add(`      <target port='0'/>`);
  add(`    </serial>`);
  add(`    <console type='pty'>`);
  add(`      <target type='serial' port='0'/>`);
  add(`    </console>`);
  add(`    <channel type='unix'>`);
  add(`      <target type='virtio' name='org.qemu.guest_agent.0'/>`);
  add(`    </channel>`);
  add(`    <input type='tablet' bus='usb'/>`);
  add(`    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>`);
  add(`    <video>`);
  add(`      <model type='${spec.video}'/>`);
  add(`    </video>`);
  add(`    <memballoon model='virtio'/>`);
  add(`    <rng model='virtio'>`);
  add(`      <backend model='random'>/dev/urandom</backend>`);
  add(`    </rng>`);
  add(`  </devices>`);
  add(`</domain>`);
  return lines.join('\n') + '\n';
}

/** Disks in the order of the outputs. */
export function disksOf(outputs: OutputDisk[]): DomainSpec['disks'] {
  return [...outputs].sort((a, b) => a.index - b.index).map((output) => ({ path: output.path, format: output.format }));
}

/**
 * The Windows bootstrap variant: same VM on SATA and e1000 (inbox drivers),
 * named `<name>-bootstrap`, with the virtio-win ISO as a CD-ROM when known.
 */
export function bootstrapSpec(final: DomainSpec, virtioWinIso: string | undefined): DomainSpec {
  return { ...final, name: `${final.name}-bootstrap`, diskBus: 'sata', nicModel: 'e1000', ...(virtioWinIso ? { cdrom: virtioWinIso } : {}) };
}
