/**
 * What the hypervisor export says about the VM (OVF, VMX, or guessed from
 * the disks alone). Filled by `@hyper2kvm/disk`, read by emit plugins.
 */

export type Firmware = 'bios' | 'uefi';

/** The kind of controller a device hung off in the source VM. */
export type SourceController = 'ide' | 'sata' | 'scsi' | 'nvme' | 'virtio' | 'unknown';

/** Where a device sat on its controller: controller instance and unit (`scsi0:1` is `{ bus: 0, unit: 1 }`). */
export interface DeviceAddress {
  bus: number;
  unit: number;
}

/** A byte range of an archive that holds one disk file, read in place (OVA tar member, stored zip member). */
export interface ArchiveMember {
  /** Member name inside the archive. */
  name: string;
  /** Byte offset of the member's data in the archive. */
  offset: number;
  /** Size of the member's data in bytes. */
  size: number;
}

export interface VmDiskDescription {
  /** Absolute path of the disk as qemu opens it (for an archive member: the archive's path). */
  path: string;
  /** Format detected from the content (`vmdk`, `vpc`, `vhdx`, `qcow2`, `raw`). */
  format: string;
  /** Virtual size in bytes. */
  virtualSize: number;
  /** Controller the disk hung off in the source VM, when known. */
  controller?: SourceController;
  /** Its place on that controller, when the export says. */
  address?: DeviceAddress;
  /** For a disk read in place from inside an archive: where its bytes are. */
  archiveMember?: ArchiveMember;
  /**
   * For the newest layer of a snapshot chain: every layer's file name, newest
   * first, down to the base (`web01-000002.vmdk`, `web01-000001.vmdk`,
   * `web01.vmdk`). The newest state is what is migrated.
   */
  chain?: string[];
}

export interface VmCdromDescription {
  controller: SourceController;
  address?: DeviceAddress;
  /** The image file as the export names it (an ISO), when one is attached. */
  image?: string;
}

export interface VmNicDescription {
  /** MAC address, lower case, colon separated, when the export fixes one. */
  mac?: string;
  /** Adapter model in the source, e.g. `vmxnet3`, `e1000`. */
  model?: string;
  /** Source network name. */
  network?: string;
}

/** How the vCPUs are arranged. */
export interface CpuTopology {
  sockets: number;
  cores: number;
  threads: number;
}

export interface VmDescription {
  name?: string;
  vcpus?: number;
  /** Sockets × cores × threads, when the export says (VMX `cpuid.coresPerSocket`, OVF `CoresPerSocket`). */
  topology?: CpuTopology;
  memoryMiB?: number;
  firmware?: Firmware;
  secureBoot?: boolean;
  /**
   * VM generation ID as a GUID string (libvirt `<genid>`), converted from the
   * two signed 64-bit halves VMware stores (`vm.genid`, `vm.genidX`).
   */
  genid?: string;
  /** The source VM has a virtual TPM (VMX `vtpm.present`): secrets sealed to it do not move. */
  vtpm?: boolean;
  disks: VmDiskDescription[];
  /** CD-ROM drives, in controller order. */
  cdroms?: VmCdromDescription[];
  nics: VmNicDescription[];
  /** Which descriptor these facts came from, e.g. `ovf`, `vmx`, `disks`. */
  origin: 'ovf' | 'vmx' | 'disks';
  /** The descriptor file, when there is one. */
  descriptorPath?: string;
}

/**
 * A digest algorithm an export manifest (`.mf`) uses. OVF 1.x wrote SHA1,
 * OVF 2.0 SHA256; SHA512 is accepted by VMware's tools.
 */
export type DigestAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** One file of the export checked against its manifest. */
export interface IntegrityCheck {
  /** The member or file name as the manifest writes it. */
  name: string;
  algorithm: DigestAlgorithm;
  expected: string;
  /** The digest read from the file (absent when verification was skipped). */
  actual?: string;
}

/**
 * What is known about the integrity of an export package: its manifest and
 * certificate, and the outcome of checking every listed file.
 */
export interface SourceIntegrity {
  /** The manifest's member or file name, when the export has one. */
  manifest?: string;
  /** A signed export's certificate (`.cert`): reported, its signature is not checked. */
  certificate?: { name: string; checked: false };
  /**
   * `verified`: every listed file matched; `skipped`: the user turned
   * verification off; `not-checked`: this command did not read the files
   * (`inspect --hardware-only`); `no-manifest`: nothing to check against;
   * `none`: the source is not a package (disk files, a VMX).
   */
  verification: 'verified' | 'skipped' | 'not-checked' | 'no-manifest' | 'none';
  checks: IntegrityCheck[];
}
