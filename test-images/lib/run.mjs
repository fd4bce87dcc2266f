// Running external tools: always through execa with an argument array.
import { execa } from 'execa';

/** Debian package that provides each tool, for a helpful message when it is missing. */
const PACKAGE_OF = {
  'mke2fs': 'e2fsprogs',
  'sfdisk': 'fdisk',
  'mkswap': 'util-linux',
  'mkfs.fat': 'dosfstools',
  'mcopy': 'mtools',
  'qemu-img': 'qemu-utils',
  'guestfish': 'libguestfs-tools (plus libguestfs-xfs for XFS)',
  'virt-inspector': 'libguestfs-tools',
  'genisoimage': 'genisoimage',
  'isoinfo': 'genisoimage',
  'tar': 'tar',
};

/**
 * Run a command; on failure throw an Error with the command line and its stderr.
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('execa').Options} [options]
 */
export async function run(cmd, args, options = {}) {
  try {
    return await execa(cmd, args, { stdin: 'ignore', ...options });
  } catch (err) {
    const e = /** @type {any} */ (err);
    if (e.code === 'ENOENT') {
      throw new Error(`${cmd}: not found (install the Debian package ${PACKAGE_OF[cmd] ?? cmd})`);
    }
    const stderr = typeof e.stderr === 'string' ? e.stderr.trim().split('\n').slice(-15).join('\n') : '';
    throw new Error(`${cmd} ${args.join(' ')}: ${e.shortMessage ?? e.message}${stderr ? `\n${stderr}` : ''}`);
  }
}

/**
 * Environment for libguestfs tools. TCG is forced by default because /dev/kvm
 * hangs on the build machines; set LIBGUESTFS_BACKEND_SETTINGS= to override.
 */
export function applianceEnv() {
  return {
    LIBGUESTFS_BACKEND: process.env.LIBGUESTFS_BACKEND ?? 'direct',
    LIBGUESTFS_BACKEND_SETTINGS: process.env.LIBGUESTFS_BACKEND_SETTINGS ?? 'force_tcg',
  };
}
