// Builds small real disk images with qemu-img for the integration tests.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MiB = 1024 * 1024;
export const IMAGE_SIZE = 64 * MiB;

/** Known content written into the raw image: offset → bytes. */
export const KNOWN_BYTES: { offset: number; data: Buffer }[] = [
  { offset: 0, data: Buffer.alloc(4096, 0x42) },
  { offset: 1 * MiB, data: Buffer.from('hyper2kvm test pattern '.repeat(3000)) },
  { offset: 40 * MiB + 512, data: Buffer.from(Array.from({ length: 256 * 1024 }, (_, index) => (index * 7) % 251)) },
  { offset: IMAGE_SIZE - 4096, data: Buffer.alloc(4096, 0xee) },
];

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `h2k-disk-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function qemuImg(args: string[], cwd?: string): Promise<string> {
  const result = await execa('qemu-img', args, cwd === undefined ? {} : { cwd });
  return result.stdout;
}

/** A sparse 64 MiB raw image holding {@link KNOWN_BYTES}. */
export async function buildRawImage(path: string): Promise<string> {
  await (await open(path, 'w')).close();
  await truncate(path, IMAGE_SIZE);
  const handle = await open(path, 'r+');
  try {
    for (const { offset, data } of KNOWN_BYTES) await handle.write(data, 0, data.length, offset);
  } finally {
    await handle.close();
  }
  return path;
}

/** Converts the raw image into another format with qemu-img. */
export async function convertImage(raw: string, out: string, format: string, subformat?: string): Promise<string> {
  const options = subformat === undefined ? [] : ['-o', `subformat=${subformat}`];
  await qemuImg(['convert', '-f', 'raw', '-O', format, ...options, raw, out]);
  return out;
}

export async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** True when qemu-img sees the same guest-visible content in both images. */
export async function sameContent(a: string, b: string, formats: { a?: string; b?: string } = {}): Promise<boolean> {
  const args = ['compare', '-q'];
  if (formats.a !== undefined) args.push('-f', formats.a);
  if (formats.b !== undefined) args.push('-F', formats.b);
  const result = await execa('qemu-img', [...args, a, b], { reject: false });
  return result.exitCode === 0;
}

/**
 * A 64 MiB test disk in `dir` three ways: `raw`, a monolithicSparse VMDK
 * (`vmdk`) and an OVA (`ova`, a ustar of `small.ovf` and a streamOptimized
 * `disk1.vmdk`), as OVF exports store their disks.
 */
export async function buildSmallExport(dir: string): Promise<{ raw: string; vmdk: string; ova: string }> {
  const raw = await buildRawImage(join(dir, 'raw.img'));
  await convertImage(raw, join(dir, 'disk1.vmdk'), 'vmdk', 'streamOptimized');
  const vmdk = await convertImage(raw, join(dir, 'plain.vmdk'), 'vmdk', 'monolithicSparse');
  await writeFile(
    join(dir, 'small.ovf'),
    `<?xml version="1.0"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References><File ovf:id="f1" ovf:href="disk1.vmdk"/></References>
  <DiskSection><Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="64" ovf:capacityAllocationUnits="byte * 2^20"/></DiskSection>
  <VirtualSystem ovf:id="small"><VirtualHardwareSection/></VirtualSystem>
</Envelope>
`,
  );
  const ova = join(dir, 'small.ova');
  await execa('tar', ['--format=ustar', '-cf', ova, 'small.ovf', 'disk1.vmdk'], { cwd: dir });
  return { raw, vmdk, ova };
}
