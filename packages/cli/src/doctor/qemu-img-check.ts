/** Doctor: is qemu-img there, and which version (it does every conversion)? */
import { execa } from 'execa';
import type { CheckFinding } from './check.js';

export async function checkQemuImg(): Promise<CheckFinding> {
  const result = await execa('qemu-img', ['--version'], { reject: false });
  if (result.failed) {
    const missing = result.code === 'ENOENT';
    return {
      status: 'fail',
      detail: missing ? 'qemu-img is not installed' : `qemu-img --version failed: ${String(result.stderr).trim().split('\n')[0]}`,
      fix: 'install qemu-utils (apt-get install qemu-utils)',
    };
  }
  const first = String(result.stdout).split('\n')[0]!.trim();
  return { status: 'ok', detail: first };
}
