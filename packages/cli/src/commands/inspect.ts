/** `hyper2kvm inspect <source…>`: the facts about an exported VM. */
import { formatBytes, renderNetworkConfigs, type Finding, type GuestFacts, type VmDescription } from '@hyper2kvm/core';
import { basename } from 'node:path';
import { COMMON_HELP, SOURCE_HELP, SOURCE_OPTIONS, parseCommand, sourceOptions, type CommandDefinition } from '../args.js';
import { inspect } from '../api/inspect.js';
import { describeIntegrity } from '../api/report.js';
import { commandLogger } from '../command-logger.js';
import { closeWhenSettled, progressDisplay } from '../progress.js';
import { printJson, type CommandIO } from '../output.js';

export const inspectHelp = `Usage: hyper2kvm inspect <source…> [options]

Opens the VM read-only and tells what it is: its hardware as the export
describes it (CPUs, memory, firmware, disks, CD-ROMs, NICs), the integrity
of the export, and the guest: OS, version, bootloader, kernels and their
virtio support, network configuration, hypervisor tools. When no OS can be
used, the hardware is still printed and the exit code says why (1, or 3 for
an encrypted root without its key).

Options:
  --hardware-only      read only the descriptors and disk headers (no appliance: seconds)
${SOURCE_HELP}

${COMMON_HELP}`;

/** The VM's hardware, as its OVF or VMX describes it. */
export function describeHardware(vm: VmDescription): string[] {
  const lines: string[] = [];
  const cpus =
    vm.vcpus === undefined
      ? 'vCPUs not given'
      : `${vm.vcpus} vCPU${vm.topology ? ` (${vm.topology.sockets} socket(s) × ${vm.topology.cores} core(s) × ${vm.topology.threads} thread(s))` : ''}`;
  lines.push(`VM:          ${vm.name ?? '(unnamed)'} from ${vm.origin}${vm.descriptorPath ? ` (${vm.descriptorPath})` : ''}`);
  lines.push(
    `Hardware:    ${cpus}, ${vm.memoryMiB === undefined ? 'memory not given' : `${vm.memoryMiB} MiB`}${vm.firmware ? `, ${vm.firmware === 'uefi' ? `UEFI${vm.secureBoot ? ' with Secure Boot' : ''}` : 'BIOS'}` : ''}${vm.vtpm ? ', virtual TPM' : ''}`,
  );
  if (vm.genid) lines.push(`Generation:  ${vm.genid}`);
  for (const [index, disk] of vm.disks.entries()) {
    const where = disk.controller ? ` on ${disk.controller}${disk.address ? ` ${disk.address.bus}:${disk.address.unit}` : ''}` : '';
    const place = disk.archiveMember ? `${disk.path} member "${disk.archiveMember.name}"` : disk.path;
    const chain = disk.chain ? `, snapshot of ${disk.chain.length - 1} parent(s): ${disk.chain.map((layer) => layer.split('/').pop()).join(' → ')}` : '';
    lines.push(`Disk ${index + 1}:      ${place} (${disk.format}, ${formatBytes(disk.virtualSize)}${where}${chain})`);
  }
  for (const [index, cdrom] of (vm.cdroms ?? []).entries()) {
    lines.push(
      `CD-ROM ${index + 1}:    ${cdrom.controller}${cdrom.address ? ` ${cdrom.address.bus}:${cdrom.address.unit}` : ''}${cdrom.image ? ` with ${cdrom.image}` : ', empty'}`,
    );
  }
  for (const [index, nic] of vm.nics.entries()) {
    lines.push(`NIC ${index + 1}:       ${nic.model ?? 'unknown model'}${nic.mac ? ` ${nic.mac}` : ''}${nic.network ? ` on "${nic.network}"` : ''}`);
  }
  return lines;
}

/** Findings about the export, one line each. */
function describeFindings(findings: Finding[]): string[] {
  return findings.map((finding) => `${finding.severity.padEnd(8)} ${finding.rule}: ${finding.message}`);
}

export function describeFacts(facts: GuestFacts): string {
  const lines: string[] = [];
  const os = facts.os;
  lines.push(`OS:          ${os.type}${os.productName ? ` — ${os.productName}` : ''} (${os.arch})`);
  if (os.hostname) lines.push(`Hostname:    ${os.hostname}`);
  if (os.root) lines.push(`Root:        ${os.root}${os.otherRoots?.length ? ` (other systems: ${os.otherRoots.join(', ')})` : ''}`);
  for (const skipped of os.skippedRoots ?? []) lines.push(`Skipped:     ${skipped.root}: ${skipped.reason}`);
  lines.push(`Firmware:    ${facts.firmware}`);
  const linux = facts.linux;
  if (linux) {
    lines.push(`Distro:      ${linux.distro} ${linux.version.major}.${linux.version.minor} (family ${linux.family})`);
    lines.push(
      `Bootloader:  ${linux.bootloader}${linux.bls ? ' with BLS entries' : ''}${linux.bootloaderConfigs.length ? ` (${linux.bootloaderConfigs.join(', ')})` : ''}`,
    );
    lines.push(`Initramfs:   ${linux.initramfsTool}`);
    for (const kernel of linux.kernels) {
      const virtio = kernel.virtioBuiltIn ? 'virtio built in' : kernel.virtioModules.length ? `virtio modules: ${kernel.virtioModules.join(' ')}` : 'NO virtio';
      const carries = kernel.initramfsHasVirtio === undefined ? 'unknown' : kernel.initramfsHasVirtio ? 'yes' : 'no';
      lines.push(
        `Kernel:      ${kernel.version} (${virtio})${kernel.initramfs ? ` initramfs ${kernel.initramfs} (virtio in it: ${carries})` : ' no initramfs'}`,
      );
    }
    const filesystems = linux.filesystems.filter((fs) => fs.type !== 'swap' || fs.mountpoint);
    if (filesystems.length > 0)
      lines.push(
        `Filesystems: ${filesystems.map((fs) => `${fs.mountpoint ?? '(not in fstab)'} ${fs.type}${fs.version ? ` ${fs.version}` : ''} on ${fs.device}`).join('; ')}`,
      );
    if (linux.networkConfigs.length === 0) lines.push('Network:     no configuration found');
    else lines.push('Network:', ...renderNetworkConfigs(linux.networkConfigs, '  '));
    lines.push(`Tools:       ${linux.hypervisorTools.length ? linux.hypervisorTools.join(', ') : 'no hypervisor tools'}`);
    lines.push(`SELinux:     ${linux.selinux}`);
  }
  const windows = facts.windows;
  if (windows) {
    lines.push(
      `Windows:     ${windows.productName}${windows.editionId ? ` [${windows.editionId}]` : ''} (NT ${windows.ntVersion}, build ${windows.build}, ${windows.installationType})`,
    );
    lines.push(`System root: ${windows.systemRoot}`);
    lines.push(`Control set: ${windows.currentControlSet} of ${windows.controlSets.join(', ')}`);
    lines.push(`Drivers:     ${windows.hasDriverDatabase ? 'DriverDatabase' : 'no DriverDatabase (CriticalDeviceDatabase era)'}`);
    lines.push(
      `Hibernation: ${windows.hibernated ? 'HIBERNATED (hiberfil.sys holds a saved system)' : 'not hibernated'}; fast startup ${windows.fastStartup ? 'ON' : 'off'}`,
    );
    lines.push(`Tools:       ${windows.vmwareToolsInstalled ? 'VMware Tools installed' : 'no VMware Tools'}`);
  }
  if (facts.vm) lines.push(...describeHardware(facts.vm));
  return lines.join('\n') + '\n';
}

export const inspectDefinition: CommandDefinition = {
  name: 'inspect',
  summary: 'tell what OS and configuration an exported VM has',
  options: { 'hardware-only': { type: 'boolean', default: false }, ...SOURCE_OPTIONS },
  positionals: 'files',
};

export async function inspectCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommand(inspectDefinition, argv);
  if (values.help) {
    io.stdout.write(inspectHelp + '\n');
    return 0;
  }
  const display = progressDisplay(io, { json: values.json, quiet: values.quiet, ...(positionals[0] ? { vm: basename(positionals[0]) } : {}) });
  const logger = commandLogger({ ...io, stderr: display.stderr }, values);
  const hardwareOnly = values['hardware-only'] === true;
  const result = await closeWhenSettled(
    display,
    inspect({
      ...sourceOptions(values, positionals, io.cwd),
      cwd: io.cwd,
      logger,
      hardwareOnly,
      onProgress: display.onProgress,
      ...(values.config ? { configFile: values.config } : {}),
    }),
    (inspected) => (inspected.problem ? 'failed' : 'done'),
  );
  // Like every command's --json error, the problem is also under `error`, beside the hardware.
  if (values.json) printJson(io, result.problem ? { ...result, error: result.problem } : result);
  else {
    const lines: string[] = [];
    if (hardwareOnly || result.problem) {
      if (result.facts.vm) lines.push(...describeHardware(result.facts.vm));
    } else {
      lines.push(describeFacts(result.facts).trimEnd());
    }
    if (result.source) lines.push(`Integrity:   ${describeIntegrity(result.source.integrity)} (${result.source.container})`);
    lines.push(...describeFindings(result.findings));
    io.stdout.write(lines.join('\n') + '\n');
  }
  if (result.problem) io.stderr.write(`${result.problem.message}\n`);
  return result.problem?.exitCode ?? 0;
}
