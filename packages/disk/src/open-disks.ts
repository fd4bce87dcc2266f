/** VMX files beside their disks, and disk files given alone (Hyper-V checkpoint chains among them). */
import { InputError, UsageError, type VmDescription, type VmDiskDescription } from '@hyper2kvm/core';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { MAX_DESCRIPTOR_BYTES, NO_PACKAGE, diskFrom, requireDiskFile, type OpenContext, type Opened } from './open-context.js';
import { probeImage } from './probe.js';
import { hasQemuProtocol, resolveInside } from './safe-path.js';
import type { VhdxFile } from './vhdx.js';
import { materializeVhdxChain, readVhdxFile, resolveVhdxChain } from './vhdx-chain.js';
import { parseVmx, type VmxDescription } from './vmx.js';

/** A VMX beside its disks. */
export async function openVmx(absolute: string, shown: string): Promise<Opened> {
  const vmx = parseVmx(await readDescriptor(absolute, shown), shown);
  const disks: VmDiskDescription[] = [];
  for (const vmxDisk of vmx.disks) {
    const diskPath = hasQemuProtocol(vmxDisk.fileName) ? undefined : resolveInside(dirname(absolute), vmxDisk.fileName);
    if (diskPath === undefined) throw new InputError(shown, `disk "${vmxDisk.fileName}" (${vmxDisk.device}) would leave the VMX's folder`);
    await requireDiskFile(diskPath, shown, `disk "${vmxDisk.fileName}" (${vmxDisk.device})`);
    const probe = await probeImage(diskPath);
    disks.push({ ...diskFrom(diskPath, probe), controller: vmxDisk.controller, address: vmxDisk.address });
  }
  return { vm: describeVmx(vmx, disks, absolute), container: 'vmx', integrity: NO_PACKAGE, findings: [] };
}

export async function openDisks(paths: string[], context: OpenContext): Promise<Opened> {
  const seen = new Set<string>();
  const disks: VmDiskDescription[] = [];
  for (const path of paths) {
    const absolute = resolve(path);
    if (seen.has(absolute)) throw new UsageError(`${path}: given twice`);
    seen.add(absolute);
    const vhdx = await readVhdxFile(absolute).catch(() => undefined);
    disks.push(vhdx?.hasParent ? await openCheckpointChain(absolute, vhdx, path, context) : diskFrom(absolute, await probeImage(path)));
  }
  const [first] = paths;
  const vm: VmDescription = { disks, nics: [], origin: 'disks' };
  if (first !== undefined) vm.name = basename(first, extname(first));
  return { vm, container: 'disks', integrity: NO_PACKAGE, findings: [] };
}

/**
 * A Hyper-V checkpoint (differencing VHDX): the chain is checked, then its
 * newest state is written as a qcow2 layer on the base in the scratch folder.
 */
async function openCheckpointChain(top: string, first: VhdxFile, shown: string, context: OpenContext): Promise<VmDiskDescription> {
  const layers = await resolveVhdxChain(top, first, shown);
  if (context.describeOnly) return { path: top, format: 'vhdx', virtualSize: first.virtualSize, chain: layers.map((layer) => layer.path) };
  const base = layers.at(-1)!;
  await probeImage(base.path); // the base is read by qemu: its own problems (a pending log) come first
  const target = join(await context.scratch.folder(`checkpoints-${basename(top)}`), `${basename(top, extname(top))}.qcow2`);
  await materializeVhdxChain(layers, target, shown);
  return { path: target, format: 'qcow2', virtualSize: first.virtualSize, chain: layers.map((layer) => layer.path) };
}

function describeVmx(vmx: VmxDescription, disks: VmDiskDescription[], descriptorPath: string): VmDescription {
  const vm: VmDescription = {
    disks,
    nics: vmx.nics,
    cdroms: vmx.cdroms,
    origin: 'vmx',
    descriptorPath,
    vcpus: vmx.vcpus,
    firmware: vmx.firmware,
    secureBoot: vmx.secureBoot,
  };
  if (vmx.name !== undefined) vm.name = vmx.name;
  if (vmx.topology !== undefined) vm.topology = vmx.topology;
  if (vmx.memoryMiB !== undefined) vm.memoryMiB = vmx.memoryMiB;
  if (vmx.genid !== undefined) vm.genid = vmx.genid;
  if (vmx.vtpm) vm.vtpm = true;
  return vm;
}

export async function readDescriptor(absolute: string, shown: string): Promise<string> {
  const size = await requireDiskFile(absolute, shown, 'file');
  if (size === 0) throw new InputError(shown, 'empty file (0 bytes)');
  if (size > MAX_DESCRIPTOR_BYTES) throw new InputError(shown, `too large for a descriptor (${size} bytes)`);
  return readFile(absolute, 'utf8');
}
