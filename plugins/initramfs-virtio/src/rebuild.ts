/**
 * The `initramfs.rebuild` action: runs the guest's own initramfs tool inside
 * the appliance, one kernel at a time, keeping the previous image aside
 * until the new one exists.
 */
import { Hyper2kvmError, type ActionContext, type GuestFs, type InitramfsProfile, type KernelFacts } from '@hyper2kvm/core';
import { rebuildCommand, templateValues } from './initramfs-profile.js';

/** Suffix of the previous image while its replacement is built. */
export const PREVIOUS_IMAGE_SUFFIX = '.pre-kvm';

/** A rebuild that failed; the previous image is back in place. */
export class InitramfsRebuildError extends Hyper2kvmError {
  readonly kernel: string;
  constructor(kernel: string, message: string, options: { cause?: unknown } = {}) {
    super('INITRAMFS_REBUILD_FAILED', message, options);
    this.kernel = kernel;
  }
}

/** The last non-empty line of a failed command's message: usually the tool's own complaint. */
export function lastLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.at(-1) ?? text;
}

export interface RebuildResult {
  kernel: string;
  image: string;
  bytes: number;
  durationMs: number;
}

/**
 * Rebuilds one kernel's image. The previous image is renamed to
 * `<image>.pre-kvm`, the tool runs, and only a non-empty new image lets the
 * old one go; on any failure the old one is put back.
 * @throws {InitramfsRebuildError} with the tool's last stderr line.
 */
export async function rebuildOne(
  guest: GuestFs,
  profile: InitramfsProfile,
  kernel: Pick<KernelFacts, 'version' | 'initramfs'>,
  logger: ActionContext['logger'],
): Promise<RebuildResult> {
  const { initramfs: image } = templateValues(profile, kernel);
  const previous = `${image}${PREVIOUS_IMAGE_SUFFIX}`;
  const hadImage = (await guest.stat(image))?.type === 'file';
  if (hadImage) {
    await guest.rename(image, previous);
    logger.info({ kernel: kernel.version, image, previous }, `kept the previous initramfs as ${previous}`);
  }
  const argv = rebuildCommand(profile, kernel);
  const started = performance.now();
  try {
    await guest.command(argv);
    const built = await guest.stat(image);
    if (built?.type !== 'file' || built.size === 0) throw new Error(`${argv[0]} finished but ${image} is ${built ? 'empty' : 'missing'}`);
    const durationMs = Math.round(performance.now() - started);
    logger.info({ kernel: kernel.version, image, bytes: built.size, durationMs }, `built ${image}`);
    if (hadImage) {
      await guest.remove(previous);
      logger.info({ kernel: kernel.version, previous }, `removed ${previous}`);
    }
    return { kernel: kernel.version, image, bytes: built.size, durationMs };
  } catch (error) {
    if (hadImage) {
      // Whatever the tool left behind goes; the image that booted before comes back.
      await guest.remove(image);
      await guest.rename(previous, image);
      logger.warn({ kernel: kernel.version, image }, `restored the previous ${image}`);
    }
    throw new InitramfsRebuildError(
      kernel.version,
      `${argv.join(' ')} failed for kernel ${kernel.version}${hadImage ? ' (previous image restored)' : ''}: ${lastLine(error)}`,
      { cause: error },
    );
  }
}
