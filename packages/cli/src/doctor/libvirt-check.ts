/** Doctor: can libvirt be reached, to define the migrated VMs here? */
import { execa } from 'execa';
import type { CheckFinding } from './check.js';

/** libvirt's answer is quick or never: a hung connection must not hang the doctor. */
const VIRSH_TIMEOUT_MS = 10_000;

export async function checkLibvirt(env: NodeJS.ProcessEnv = process.env): Promise<CheckFinding> {
  const uri = env['LIBVIRT_DEFAULT_URI'] || (process.getuid?.() === 0 ? 'qemu:///system' : 'qemu:///session');
  const result = await execa('virsh', ['--connect', uri, 'version'], { reject: false, timeout: VIRSH_TIMEOUT_MS, stdin: 'ignore' });
  if (!result.failed) {
    const daemon = /Running hypervisor:\s*(.+)/.exec(String(result.stdout))?.[1]?.trim();
    return { status: 'ok', detail: `libvirt reachable at ${uri}${daemon ? ` (${daemon})` : ''}` };
  }
  if (result.code === 'ENOENT')
    return { status: 'warn', detail: 'virsh is not installed', fix: 'install libvirt-clients, and libvirt-daemon-system to run the VMs here' };
  const why = (
    String(result.stderr)
      .split('\n')
      .find((line) => line.trim() !== '') ?? (result.timedOut ? 'timed out' : 'failed')
  ).replace(/^error:\s*/, '');
  return {
    status: 'warn',
    detail: `libvirt not reachable at ${uri}: ${why}`,
    fix: 'install libvirt-daemon-system and start it (systemctl start libvirtd) to define the VMs on this host; the domain XML works on any libvirt host',
  };
}
