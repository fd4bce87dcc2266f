/**
 * Which way each kernel's initramfs gets its virtio drivers: appended on the
 * host, or rebuilt by the guest's own tool in the appliance. Decided at plan
 * time so the plan says it; the action may still fall back to a rebuild.
 */
import type { InitramfsTool, KernelFacts } from '@hyper2kvm/core';

/** The plugin option: `auto` appends where the boot matrix proved it, `append` wherever possible, `rebuild` never. */
export type InitramfsStrategy = 'auto' | 'append' | 'rebuild';

/**
 * Tools whose images the append path understands. `auto` uses it for all of
 * them: each is proven by every real guest of the boot matrix built with it
 * (tools/boot-matrix): initramfs-tools by the Debian guests, dracut by
 * debian-12-uefi-btrfs.
 */
export const APPENDABLE_TOOLS: readonly InitramfsTool[] = ['initramfs-tools', 'dracut'];

/** The path chosen for one kernel and why, in words for the plan. */
export interface InitramfsPath {
  path: 'append' | 'rebuild';
  reason: string;
}

export function chooseInitramfsPath(
  strategy: InitramfsStrategy,
  tool: InitramfsTool,
  kernel: Pick<KernelFacts, 'initramfs' | 'initramfsHasVirtio'>,
  encrypted: boolean,
): InitramfsPath {
  if (strategy === 'rebuild') return { path: 'rebuild', reason: "the plugin's initramfs strategy is 'rebuild'" };
  if (!APPENDABLE_TOOLS.includes(tool)) return { path: 'rebuild', reason: `appending is implemented for ${APPENDABLE_TOOLS.join(', ')} images, not ${tool}` };
  if (encrypted) return { path: 'rebuild', reason: 'the guest has crypttab entries, and its initramfs keeps its own copy of crypttab and its keys' };
  if (kernel.initramfs === undefined) return { path: 'rebuild', reason: 'inspection found no initramfs image for this kernel' };
  if (kernel.initramfsHasVirtio === undefined) return { path: 'rebuild', reason: 'inspection could not read its initramfs' };
  return { path: 'append', reason: strategy === 'auto' ? `${tool} images are appended to by default` : "the plugin's initramfs strategy is 'append'" };
}
