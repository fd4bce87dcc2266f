/** Doctor: can qemu use KVM here, or must it emulate (TCG)? Measured with the product's own probe, not taken from the cache. */
import { detectAccelerator, type AcceleratorVerdict } from '@hyper2kvm/guestfs';
import type { CheckFinding } from './check.js';

/** The fix for a TCG verdict, from why KVM was not chosen. */
function tcgFix(reason: string): string {
  if (reason.startsWith('HYPER2KVM_ACCEL')) return 'unset HYPER2KVM_ACCEL to let hyper2kvm probe KVM';
  if (reason.includes('does not exist'))
    return 'enable virtualization (VT-x/AMD-V) in the firmware, or nested virtualization for this VM, and load kvm_intel or kvm_amd; until then migrations run emulated, several times slower';
  if (reason.includes('no read-write access')) return 'add this user to the kvm group (usermod -aG kvm USER) or run as root';
  return 'KVM is there but guests hang or crawl (often broken nested virtualization): fix the host, or move migrations to a host where KVM works; they run emulated here, several times slower';
}

/** Runs the KVM probe now (refreshing the per-boot cache) and says which accelerator migrations get. */
export async function checkAccelerator(onVerdict?: (verdict: AcceleratorVerdict) => void): Promise<CheckFinding> {
  const verdict = await detectAccelerator({ fresh: true });
  onVerdict?.(verdict);
  if (verdict.accel === 'kvm') return { status: 'ok', detail: `KVM usable: ${verdict.reason}` };
  return { status: 'warn', detail: `TCG (emulation), KVM not usable: ${verdict.reason}`, fix: tcgFix(verdict.reason) };
}
