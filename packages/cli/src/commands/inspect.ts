/** `hyper2kvm inspect <source…>`: the facts about an exported VM. */
import type { GuestFacts } from '@hyper2kvm/core';
import { COMMON_HELP, parseCommand } from '../args.js';
import { inspect } from '../api/inspect.js';
import { commandLogger } from '../command-logger.js';
import { printJson, type CommandIO } from '../output.js';

export const inspectHelp = `Usage: hyper2kvm inspect <source…> [options]

Opens the VM read-only and tells what it is: OS, version, firmware,
bootloader, kernels and their virtio support, network configuration,
hypervisor tools. A source is an OVA, an OVF or VMX with its disks, the
disk files of one VM (VMDK, VHD/VHDX, qcow2, raw), or a folder holding a
guest's root file system.

${COMMON_HELP}`;

export function describeFacts(facts: GuestFacts): string {
  const lines: string[] = [];
  const os = facts.os;
  lines.push(`OS:          ${os.type}${os.productName ? ` — ${os.productName}` : ''} (${os.arch})`);
  if (os.hostname) lines.push(`Hostname:    ${os.hostname}`);
  lines.push(`Firmware:    ${facts.firmware}`);
  const linux = facts.linux;
  if (linux) {
    lines.push(`Distro:      ${linux.distro} ${linux.version.major}.${linux.version.minor} (family ${linux.family})`);
    lines.push(`Bootloader:  ${linux.bootloader}${linux.bls ? ' with BLS entries' : ''}${linux.bootloaderConfigs.length ? ` (${linux.bootloaderConfigs.join(', ')})` : ''}`);
    lines.push(`Initramfs:   ${linux.initramfsTool}`);
    for (const kernel of linux.kernels) {
      const virtio = kernel.virtioBuiltIn ? 'virtio built in' : kernel.virtioModules.length ? `virtio modules: ${kernel.virtioModules.join(' ')}` : 'NO virtio';
      const carries = kernel.initramfsHasVirtio === undefined ? 'unknown' : kernel.initramfsHasVirtio ? 'yes' : 'no';
      lines.push(`Kernel:      ${kernel.version} (${virtio})${kernel.initramfs ? ` initramfs ${kernel.initramfs} (virtio in it: ${carries})` : ' no initramfs'}`);
    }
    const flavours = Object.entries(linux.network).map(([flavour, files]) => `${flavour} (${files.join(', ')})`);
    lines.push(`Network:     ${flavours.length ? flavours.join('; ') : 'no configuration found'}`);
    lines.push(`Tools:       ${linux.hypervisorTools.length ? linux.hypervisorTools.join(', ') : 'no hypervisor tools'}`);
    lines.push(`SELinux:     ${linux.selinux}`);
  }
  const windows = facts.windows;
  if (windows) {
    lines.push(`Windows:     ${windows.productName}${windows.editionId ? ` [${windows.editionId}]` : ''} (NT ${windows.ntVersion}, build ${windows.build}, ${windows.installationType})`);
    lines.push(`System root: ${windows.systemRoot}`);
    lines.push(`Control set: ${windows.currentControlSet} of ${windows.controlSets.join(', ')}`);
    lines.push(`Drivers:     ${windows.hasDriverDatabase ? 'DriverDatabase' : 'no DriverDatabase (CriticalDeviceDatabase era)'}`);
    lines.push(`Hibernation: ${windows.hibernated ? 'HIBERNATED (hiberfil.sys holds a saved system)' : 'not hibernated'}; fast startup ${windows.fastStartup ? 'ON' : 'off'}`);
    lines.push(`Tools:       ${windows.vmwareToolsInstalled ? 'VMware Tools installed' : 'no VMware Tools'}`);
  }
  if (facts.vm) {
    const vm = facts.vm;
    lines.push(`VM:          ${vm.name ?? '(unnamed)'} from ${vm.origin}${vm.vcpus ? `, ${vm.vcpus} vCPU` : ''}${vm.memoryMiB ? `, ${vm.memoryMiB} MiB` : ''}`);
    for (const [index, disk] of vm.disks.entries()) lines.push(`Disk ${index + 1}:      ${disk.path} (${disk.format}, ${(disk.virtualSize / 2 ** 30).toFixed(2)} GiB)`);
    for (const [index, nic] of vm.nics.entries()) lines.push(`NIC ${index + 1}:       ${nic.model ?? 'unknown model'}${nic.mac ? ` ${nic.mac}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

export async function inspectCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand('inspect', argv, {});
  if (values.help) {
    io.stdout.write(inspectHelp + '\n');
    return 0;
  }
  const logger = commandLogger(io, values);
  const result = await inspect({ sources: positionals, cwd: io.cwd, logger, ...(values.config ? { configFile: values.config } : {}) });
  if (values.json) printJson(io, result);
  else io.stdout.write(describeFacts(result.facts));
  return 0;
}
