/**
 * What the hypervisor export says about the VM (OVF, VMX, or guessed from
 * the disks alone). Filled by `@hyper2kvm/disk`, read by emit plugins.
 */

export type Firmware = 'bios' | 'uefi';

export interface VmDiskDescription {
  /** Absolute path of the disk as qemu opens it (for an OVA member: the OVA path). */
  path: string;
  /** Format detected from the content (`vmdk`, `vpc`, `vhdx`, `qcow2`, `raw`). */
  format: string;
  /** Virtual size in bytes. */
  virtualSize: number;
  /** Controller the disk hung off in the source VM, when known. */
  controller?: 'ide' | 'sata' | 'scsi' | 'nvme' | 'virtio' | 'unknown';
  /** For a disk inside an OVA: byte offset and size of the tar member. */
  tarMember?: { offset: number; size: number; name: string };
}

export interface VmNicDescription {
  /** MAC address, lower case, colon separated, when the export fixes one. */
  mac?: string;
  /** Adapter model in the source, e.g. `vmxnet3`, `e1000`. */
  model?: string;
  /** Source network name. */
  network?: string;
}

export interface VmDescription {
  name?: string;
  vcpus?: number;
  memoryMiB?: number;
  firmware?: Firmware;
  secureBoot?: boolean;
  disks: VmDiskDescription[];
  nics: VmNicDescription[];
  /** Which descriptor these facts came from, e.g. `ovf`, `vmx`, `disks`. */
  origin: 'ovf' | 'vmx' | 'disks';
  /** The descriptor file, when there is one. */
  descriptorPath?: string;
}
