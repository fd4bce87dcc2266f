// The ubuntu-2204 guest (same files, see ubuntu-2204.mjs) whose root file
// system is full to the last block: a runaway log (/var/log/app/debug.log)
// took every free block, the ones reserved for root included. Trap: the
// repair rewrites grub.cfg with root=UUID=… (longer than root=/dev/sda1), and
// this grub.cfg ends 4 bytes short of a block boundary, so the rewrite needs
// one more block than the file has: ENOSPC half-way through the fix. The
// root is small (48 MiB) so that filling it is quick; its blocks are 4 KiB as
// installers make them (one block per page: the fill leaves no block over).
import ubuntu from './ubuntu-2204.mjs';

export const FILLER = '/var/log/app/debug.log';
/** grub.cfg's size modulo this is BLOCK_SLACK short of it: true for 1 KiB, 2 KiB and 4 KiB blocks alike. */
const BLOCK = 4096;
const BLOCK_SLACK = 4;
const { disk, partitions: [root, swap], ...base } = ubuntu;

/** grub.cfg with a custom entry the admin added, padded with its comment lines to the size above. */
function grubCfgEndingShortOfABlock() {
  const cfg = base.files['/boot/grub/grub.cfg'].content.replace(
    '### END /etc/grub.d/40_custom ###',
    '# Serial console for the out-of-band console server (added by ops).\n### END /etc/grub.d/40_custom ###',
  );
  const missing = (BLOCK - BLOCK_SLACK - (Buffer.byteLength(cfg) % BLOCK) + BLOCK) % BLOCK;
  // Comment lines of at most 72 characters, newline included in the count.
  const lines = [];
  for (let left = missing; left > 0; left -= Math.min(left, 72)) lines.push('#'.repeat(Math.min(left, 72) - 1));
  return cfg.replace('### END /etc/grub.d/40_custom ###', `${lines.map((line) => `${line}\n`).join('')}### END /etc/grub.d/40_custom ###`);
}

const grubCfg = grubCfgEndingShortOfABlock();
if (Buffer.byteLength(grubCfg) % BLOCK !== BLOCK - BLOCK_SLACK) throw new Error('ubuntu-2204-full: grub.cfg padding is off');

export default {
  ...base,
  name: 'ubuntu-2204-full',
  description: 'Ubuntu 22.04.3 LTS on VMware with a full root file system (no free block left)',
  disk: { ...disk, sizeMiB: 112 },
  partitions: [{ ...root, sizeMiB: 48, fs: { ...root.fs, blockSize: BLOCK, fillUp: FILLER } }, swap],
  dirs: [...base.dirs, '/var/log/app'],
  files: { ...base.files, '/boot/grub/grub.cfg': { content: grubCfg, mode: 0o444 } },
  expect: { ...base.expect },
};
