import { execa, ExecaError } from 'execa';
import { translateQemuError } from './qemu-messages.js';

/** The subset of `qemu-img info --output=json` that hyper2kvm reads. */
export interface QemuImgInfo {
  'virtual-size': number;
  filename: string;
  format: string;
  'actual-size'?: number;
  'dirty-flag'?: boolean;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
  'format-specific'?: {
    type: string;
    data?: {
      'create-type'?: string;
      'data-file'?: string;
      extents?: { filename: string; format?: string; 'virtual-size'?: number; compressed?: boolean }[];
    };
  };
}

/** A qemu-img failure reduced to the sentence people need. */
export class QemuImgFailure extends Error {}

/**
 * Runs `qemu-img info --output=json` without opening backing files, so a
 * backing name can be checked before qemu ever follows it.
 */
export async function qemuImgInfo(filename: string): Promise<QemuImgInfo> {
  const { stdout } = await runQemuImg(['info', '--output=json', filename]);
  return JSON.parse(stdout) as QemuImgInfo;
}

/** Runs qemu-img with an argument array; failures become {@link QemuImgFailure}. */
export async function runQemuImg(args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    const result = await execa('qemu-img', args, { stdin: 'ignore' });
    return { stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    if (error instanceof ExecaError) {
      const stderr = String(error.stderr ?? '');
      throw new QemuImgFailure(translateQemuError(stderr) ?? (qemuErrorReason(stderr) || error.shortMessage), { cause: error });
    }
    throw error;
  }
}

/**
 * Turns qemu-img's stderr into one line: the innermost reason, without the
 * `qemu-img:` prefix and the chain of `Could not open '…':` wrappers.
 */
export function qemuErrorReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  // qemu sometimes prints a detail line before the final "Could not open" line.
  const last = lines[lines.length - 1] ?? '';
  let reason = last.replace(/^qemu-img:\s*/, '');
  for (;;) {
    const stripped = reason.replace(/^Could not open '(?:[^']|'(?!: ))*':\s*/, '');
    if (stripped === reason) break;
    reason = stripped;
  }
  return reason;
}
