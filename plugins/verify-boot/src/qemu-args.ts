/** The qemu command line of a verify boot. Pure: unit-tested beside. */
import type { BootMachine } from './domain.js';

/** Everything the command line needs besides the machine. */
export interface QemuBootPlan {
  accel: 'kvm' | 'tcg';
  /** Throwaway overlays, one per disk of the machine, in order. */
  overlays: string[];
  /** UEFI only: firmware code and the writable copy of its variables. */
  uefi?: { code: string; vars: string };
}

/** qemu's own default MAC, used for NICs the domain leaves to libvirt: never a VMware one. */
export function defaultMac(index: number): string {
  return `52:54:00:12:34:${(0x56 + index).toString(16).padStart(2, '0')}`;
}

const NIC_DEVICE: Record<BootMachine['nics'][number]['model'], string> = {
  virtio: 'virtio-net-pci',
  e1000e: 'e1000e',
  e1000: 'e1000',
};

/**
 * Arguments for qemu-system-x86_64: headless, serial console on stdio, no
 * reboot (a guest that reboots ends the run), user-mode networking.
 */
export function qemuArguments(machine: BootMachine, plan: QemuBootPlan): string[] {
  if (plan.overlays.length !== machine.disks.length) throw new Error('one overlay per disk is needed');
  const smm = machine.firmware === 'uefi' && machine.secureBoot;
  const args = [
    '-machine',
    `${machine.machine},accel=${plan.accel}${smm ? ',smm=on' : ''}`,
    '-cpu',
    plan.accel === 'kvm' ? 'host' : 'max',
    '-m',
    String(machine.memoryMiB),
    '-smp',
    String(machine.vcpus),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-serial',
    'stdio',
    '-device',
    'virtio-rng-pci',
  ];
  if (machine.firmware === 'uefi') {
    if (!plan.uefi) throw new Error('a UEFI guest needs OVMF firmware');
    if (smm) args.push('-global', 'driver=cfi.pflash01,property=secure,value=on');
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${plan.uefi.code}`);
    args.push('-drive', `if=pflash,format=raw,unit=1,file=${plan.uefi.vars}`);
  }
  if (machine.disks.some((disk) => disk.bus === 'scsi')) args.push('-device', 'virtio-scsi-pci,id=scsi0');
  if (machine.machine === 'pc' && machine.disks.some((disk) => disk.bus === 'sata')) args.push('-device', 'ahci,id=ahci0');
  machine.disks.forEach((disk, index) => {
    const id = `disk${index}`;
    args.push('-drive', `file=${plan.overlays[index]},format=qcow2,if=none,id=${id},cache=unsafe`);
    const boot = index === 0 ? ',bootindex=0' : '';
    if (disk.bus === 'virtio') args.push('-device', `virtio-blk-pci,drive=${id}${boot}`);
    else if (disk.bus === 'scsi') args.push('-device', `scsi-hd,drive=${id},bus=scsi0.0${boot}`);
    else args.push('-device', `ide-hd,drive=${id},bus=${machine.machine === 'pc' ? 'ahci0' : 'ide'}.${index}${boot}`);
  });
  machine.nics.forEach((nic, index) => {
    args.push('-netdev', `user,id=net${index}`);
    args.push('-device', `${NIC_DEVICE[nic.model]},netdev=net${index},mac=${nic.mac ?? defaultMac(index)}`);
  });
  return args;
}
