/**
 * How many vCPUs the appliance gets. Most of its work is single-threaded
 * file edits, but the guest's own initramfs rebuild (when the append path
 * cannot be used) compresses with every CPU it sees. Under TCG each vCPU is
 * a host thread, and during the repair the host also runs the bulk copy
 * (qemu-img) and the engine: measured on a 2-CPU host, a second vCPU did not
 * make the rebuild faster (95-141 s against 101-110 s with one), so it is
 * only given when the host has CPUs to spare. The appliance is launched
 * before the plan says whether a rebuild will run, so the size is chosen
 * for that worst case.
 */
import { availableParallelism } from 'node:os';

/** Host CPUs from which `auto` gives the appliance a second vCPU. */
const SECOND_VCPU_FROM_HOST_CPUS = 4;

/**
 * The appliance's vCPUs: `requested` when it is a number, else (`auto`) 2
 * on a host with at least {@link SECOND_VCPU_FROM_HOST_CPUS} CPUs, 1 below.
 */
export function applianceVcpus(requested: 'auto' | number, hostCpus: number = availableParallelism()): number {
  if (requested !== 'auto') return requested;
  return hostCpus >= SECOND_VCPU_FROM_HOST_CPUS ? 2 : 1;
}
