/**
 * The `grub.mkconfig` action: regenerates grub.cfg with the guest's own
 * grub-mkconfig inside the appliance, then checks that every kernel line
 * names its root in a stable way, putting the previous grub.cfg back if not.
 */
import { Hyper2kvmError, type BootloaderProfile, type GuestFs } from '@hyper2kvm/core';
import { mkconfigCommand } from './grub-profile.js';
import { unstableRoots, type UnstableRoot } from './root-check.js';

/** Suffix of the copy of grub.cfg kept while the new one is generated and checked. */
export const PREVIOUS_CONFIG_SUFFIX = '.pre-kvm';

/** Regeneration failed or produced a config that would not boot on KVM; the previous one is back. */
export class GrubRegenError extends Hyper2kvmError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('GRUB_REGEN_FAILED', message, options);
  }
}

export interface MkconfigResult {
  output: string;
  argv: string[];
  /** Wall time of the guest's mkconfig alone. */
  durationMs: number;
}

interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
}

function lastLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1) ?? text
  );
}

function describe(roots: (UnstableRoot & { path: string })[]): string {
  return roots.map(({ path, line, root }) => `${path}:${line} root=${root}`).join(', ');
}

/**
 * Runs the profile's mkconfig writing `output`. Also checks the BLS entries
 * (`blsEntries`), which some grub2-mkconfig versions rewrite.
 * @throws {GrubRegenError} when the tool fails or a kernel line's `root=` is a kernel disk name.
 */
export async function regenerateGrubConfig(
  guest: GuestFs,
  bootloader: BootloaderProfile,
  output: string,
  blsEntries: string[],
  logger: Logger,
): Promise<MkconfigResult> {
  const previous = (await guest.stat(output))?.type === 'file' ? await guest.readFile(output) : null;
  const backup = `${output}${PREVIOUS_CONFIG_SUFFIX}`;
  if (previous !== null) await guest.writeFile(backup, previous);
  const argv = mkconfigCommand(bootloader, output);
  const restore = async (): Promise<void> => {
    if (previous !== null) await guest.writeFile(output, previous);
    await guest.remove(backup);
    // grub-mkconfig writes to <output>.new and renames it at the end.
    await guest.remove(`${output}.new`);
  };

  const started = performance.now();
  try {
    await guest.command(argv);
  } catch (error) {
    await restore();
    throw new GrubRegenError(`${argv.join(' ')} failed${previous ? ' (previous grub.cfg kept)' : ''}: ${lastLine(error)}`, { cause: error });
  }
  const durationMs = Math.round(performance.now() - started);

  const unstable: (UnstableRoot & { path: string })[] = [];
  for (const path of [output, ...blsEntries]) {
    if (!(await guest.exists(path))) continue;
    const text = (await guest.readFile(path)).toString('utf8');
    unstable.push(...unstableRoots(text).map((root) => ({ ...root, path })));
  }
  if (unstable.length > 0) {
    await restore();
    throw new GrubRegenError(
      `${argv.join(' ')} wrote kernel lines naming the root by a disk name that changes on KVM (${describe(unstable)}); the previous grub.cfg was put back. ` +
        'Check GRUB_DISABLE_LINUX_UUID and GRUB_DEVICE in /etc/default/grub',
    );
  }
  await guest.remove(backup);
  logger.info({ output, durationMs }, `regenerated ${output} in ${durationMs} ms`);
  return { output, argv, durationMs };
}

/** True when the guest has the program the profile runs. */
export async function hasProgram(guest: Pick<GuestFs, 'exists'>, program: string, dirs: string[]): Promise<boolean> {
  for (const dir of dirs) if (await guest.exists(`${dir}/${program}`)) return true;
  return false;
}
