// LUKS2 volumes in a partition of an image file: the header is written on
// the host (cryptsetup luksFormat on a scratch file, then copied in, as
// writeSwap does for swap), the file system inside is made in the appliance
// (it needs dm-crypt: cryptsetup-open, then mkfs and tar-in on /dev/mapper/NAME).
import { open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.mjs';

/** Where the encrypted data starts (512-byte sectors): after the 16 KiB metadata copies and a 1 MiB keyslot area. */
const DATA_OFFSET_SECTORS = 4096;

/** The device a LUKS partition's file system is on once opened: /dev/mapper/NAME. */
export const luksMapperDevice = (luks) => `/dev/mapper/${luks.name}`;

/**
 * Format a partition as LUKS2 with one passphrase. PBKDF2 with few
 * iterations, so that opening it in a TCG appliance takes milliseconds, not
 * the seconds (and the GiB of memory) argon2id is tuned for.
 * @param {string} img
 * @param {{ number: number, start: number, size: number }} part
 * @param {{ name: string, uuid?: string, passphrase: string }} luks
 * @param {string} workDir
 */
export async function writeLuksHeader(img, part, luks, workDir) {
  const scratch = join(workDir, `luks-${part.number}.img`);
  const keyFile = join(workDir, `luks-${part.number}.key`);
  const headerBytes = DATA_OFFSET_SECTORS * 512;
  await writeFile(scratch, Buffer.alloc(0));
  await truncate(scratch, headerBytes + 1024 * 1024);
  await writeFile(keyFile, luks.passphrase, { mode: 0o600 });
  const args = [
    'luksFormat', '--batch-mode', '--type', 'luks2', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000',
    '--luks2-metadata-size', '16k', '--luks2-keyslots-size', '1m', '--offset', String(DATA_OFFSET_SECTORS), '--key-file', keyFile,
  ];
  if (luks.uuid) args.push('--uuid', luks.uuid);
  await run('cryptsetup', [...args, scratch]);
  // The data segment is "the whole device" after the header: copied into the
  // partition, it spans the partition.
  const header = (await readFile(scratch)).subarray(0, headerBytes);
  await rm(scratch);
  await rm(keyFile);
  const fh = await open(img, 'r+');
  try {
    await fh.write(header, 0, header.length, part.start);
  } finally {
    await fh.close();
  }
}

/**
 * guestfish lines that open a LUKS partition (guestfish must run with
 * --keys-from-stdin: the passphrase is the line after the command).
 * @param {{ device: string, luks: { name: string, passphrase: string } }} volume
 */
export function luksOpenLines({ device, luks }) {
  return [`cryptsetup-open ${device} ${luks.name}`, luks.passphrase];
}

/** guestfish line that closes an opened LUKS partition. */
export function luksCloseLines({ luks }) {
  return [`cryptsetup-close ${luksMapperDevice(luks)}`];
}
