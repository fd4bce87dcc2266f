// Export forms: one guest packaged every way real tools package a VM. The
// base is a built image's OVA (its .ovf, .mf and streamOptimized disk); each
// form repacks those files with the tool that makes the form in the wild
// (GNU tar in its three formats, gzip, xz, Info-ZIP, split, sha*sum --tag,
// openssl dgst) so the readers are tested against real writers.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { vmxFile } from '../lib/ovf.mjs';
import { leaveUnreplayedLog, readVhdxHeader, writeDifferencingVhdx } from './vhdx.mjs';
import { run } from '../lib/run.mjs';

/** A digest of a file, hex. */
async function digest(path, algorithm) {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Manifest writers, each as its tool writes lines:
 * - ovftool: `SHA256(file)= hex`
 * - GNU coreutils `sha1sum --tag` (and VirtualBox): `SHA1 (file) = hex`
 * - OpenSSL 3 `openssl dgst -sha256`: `SHA2-256(file)= hex`
 */
const MANIFESTS = {
  async ovftool(dir, files, algorithm = 'sha256') {
    const lines = [];
    for (const file of files) lines.push(`${algorithm.toUpperCase()}(${file})= ${await digest(join(dir, file), algorithm)}\n`);
    return lines.join('');
  },
  async coreutils(dir, files, algorithm = 'sha1') {
    return (await run(`${algorithm}sum`, ['--tag', ...files], { cwd: dir })).stdout + '\n';
  },
  async openssl(dir, files, algorithm = 'sha256') {
    return (await run('openssl', ['dgst', `-${algorithm}`, ...files], { cwd: dir })).stdout + '\n';
  },
};

/** The OVF with its one disk's <File> rewritten (name, size, extra attributes). */
function withFile(ovf, { href, size, attributes = '' }) {
  return ovf.replace(/<File ovf:href="[^"]*" ovf:id="file1" ovf:size="\d+"\/>/, `<File ovf:href="${href}" ovf:id="file1" ovf:size="${size}"${attributes}/>`);
}

const TAR = ['--numeric-owner', '--owner=0', '--group=0', '--mode=0644'];

/**
 * Builds every form into outDir from the OVA of `recipe.base`.
 * @param {any} recipe
 * @param {{ outDir: string, workDir: string, ensureImage: (name: string) => Promise<any> }} context
 */
export async function build(recipe, { outDir, workDir, ensureImage }) {
  const base = await ensureImage(recipe.base.image);
  const noOs = await ensureImage(recipe.base.noOsImage);
  const src = join(workDir, 'base');
  await mkdir(src, { recursive: true });
  await run('tar', ['-xf', base.files.ova, '-C', src]);
  const name = recipe.base.name;
  const ovfName = `${name}.ovf`;
  const diskName = `${name}-disk1.vmdk`;
  const ovf = await readFile(join(src, ovfName), 'utf8');
  const files = {};

  /** A fresh staging folder with the OVF (possibly rewritten) and the disk. */
  const stage = async (form, { ovfText = ovf, disk = true } = {}) => {
    const dir = join(workDir, form);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, ovfName), ovfText);
    if (disk) await copyFile(join(src, diskName), join(dir, diskName));
    return dir;
  };
  const tar = async (form, dir, members, format = 'ustar', extra = []) => {
    const out = join(outDir, `${form}.ova`);
    await run('tar', [`--format=${format}`, ...TAR, ...extra, '-C', dir, '-cf', out, ...members]);
    files[form] = basename(out);
    return out;
  };

  // Plain tar, every member in a subfolder, GNU format, SHA1 lines as ovftool writes them.
  {
    const dir = join(workDir, 'tar-subdir');
    const inner = await stage(join('tar-subdir', name));
    await writeFile(join(inner, `${name}.mf`), await MANIFESTS.ovftool(inner, [ovfName, diskName], 'sha1'));
    await tar('tar-subdir', dir, [`${name}/${ovfName}`, `${name}/${name}.mf`, `${name}/${diskName}`], 'gnu');
  }
  // pax format, the disk first and the manifest last, the disk under a name longer than ustar's 100 bytes; `sha512sum --tag` lines.
  {
    const longDisk = `${name}-${'a-very-long-disk-name-'.repeat(5)}disk1.vmdk`;
    const dir = await stage('tar-pax-reordered', { ovfText: withFile(ovf, { href: longDisk, size: (await stat(join(src, diskName))).size }) });
    await rename(join(dir, diskName), join(dir, longDisk));
    await writeFile(join(dir, `${name}.mf`), await MANIFESTS.coreutils(dir, [ovfName, longDisk], 'sha512'));
    await tar('tar-pax-reordered', dir, [longDisk, ovfName, `${name}.mf`], 'pax');
  }
  // The same OVA compressed whole: gzip (OpenSSL 3's SHA2-256 lines), xz.
  for (const [form, flag] of [['tar-gz', '--gzip'], ['tar-xz', '--xz']]) {
    const dir = await stage(form);
    await writeFile(join(dir, `${name}.mf`), await MANIFESTS.openssl(dir, [ovfName, diskName], 'sha256'));
    const out = join(outDir, `${form}.ova`);
    await run('tar', ['--format=ustar', ...TAR, flag, '-C', dir, '-cf', out, ovfName, `${name}.mf`, diskName]);
    files[form] = basename(out);
  }
  // zip, deflated and stored, members in a subfolder, as Info-ZIP writes them.
  for (const [form, level] of [['zip', '-6'], ['zip-stored', '-0']]) {
    const dir = join(workDir, form);
    const inner = await stage(join(form, name));
    await writeFile(join(inner, `${name}.mf`), await MANIFESTS.ovftool(inner, [ovfName, diskName]));
    const out = join(outDir, `${form}.ova`);
    await run('zip', ['-q', '-X', level, '-r', out, name], { cwd: dir });
    files[form] = basename(out);
  }
  // The disk gzip'd inside a plain tar, marked ovf:compression="gzip"; the manifest digests the .gz.
  {
    const gz = `${diskName}.gz`;
    const dir = join(workDir, 'gz-disk');
    await mkdir(dir, { recursive: true });
    await run('sh', ['-c', 'gzip -c -9 -- "$1" > "$2"', 'sh', join(src, diskName), join(dir, gz)]);
    await writeFile(join(dir, ovfName), withFile(ovf, { href: gz, size: (await stat(join(dir, gz))).size, attributes: ' ovf:compression="gzip"' }));
    await writeFile(join(dir, `${name}.mf`), await MANIFESTS.ovftool(dir, [ovfName, gz]));
    await tar('gz-disk', dir, [ovfName, `${name}.mf`, gz]);
  }
  // ovf:chunkSize (DSP0243): the disk split into href.000000000, .000000001, … (split -d -a 9), every chunk in the manifest.
  {
    const dir = await stage('chunked');
    const size = (await stat(join(dir, diskName))).size;
    const chunk = Math.ceil(size / 3 / 512) * 512 + 512;
    await run('split', ['-b', String(chunk), '-d', '-a', '9', diskName, `${diskName}.`], { cwd: dir });
    await rm(join(dir, diskName));
    const chunks = [0, 1, 2].map((index) => `${diskName}.${String(index).padStart(9, '0')}`);
    await writeFile(join(dir, ovfName), withFile(ovf, { href: diskName, size, attributes: ` ovf:chunkSize="${chunk}"` }));
    await writeFile(join(dir, `${name}.mf`), await MANIFESTS.ovftool(dir, [ovfName, ...chunks]));
    await tar('chunked', dir, [ovfName, `${name}.mf`, ...chunks]);
  }
  // VMware exports seen in the wild (RHBZ#1570407): href disk1.vmdk absent, the disk stored as numbered files; the highest is current.
  {
    const dir = await stage('numbered');
    const numbered = [0, 1, 2].map((index) => `${diskName}.${String(index).padStart(9, '0')}`);
    await writeFile(join(dir, numbered[0]), Buffer.alloc(10 * 1024));
    await writeFile(join(dir, numbered[1]), Buffer.alloc(11 * 1024));
    await rename(join(dir, diskName), join(dir, numbered[2]));
    await writeFile(join(dir, `${name}.mf`), await MANIFESTS.ovftool(dir, [ovfName, ...numbered]));
    await tar('numbered', dir, [ovfName, ...numbered, `${name}.mf`]);
  }
  // Manifests that must refuse the source: a wrong SHA1 for the disk; a disk changed after its SHA256 was taken.
  {
    const dir = await stage('bad-sha1');
    const lines = (await MANIFESTS.ovftool(dir, [ovfName, diskName], 'sha1')).replace(/(SHA1\([^)]*disk1\.vmdk\)= )([0-9a-f])/, (_, head, first) => `${head}${first === '0' ? '1' : '0'}`);
    await writeFile(join(dir, `${name}.mf`), lines);
    await tar('bad-sha1', dir, [ovfName, `${name}.mf`, diskName]);
  }
  {
    const dir = await stage('bad-sha256');
    await writeFile(join(dir, `${name}.mf`), await MANIFESTS.ovftool(dir, [ovfName, diskName]));
    // One flipped byte in the disk's last grain: the tar still reads, the VMDK still opens, the digest does not match.
    const handle = await open(join(dir, diskName), 'r+');
    const { size } = await handle.stat();
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 2048);
    byte[0] ^= 0xff;
    await handle.write(byte, 0, 1, size - 2048);
    await handle.close();
    await tar('bad-sha256', dir, [ovfName, `${name}.mf`, diskName]);
  }
  // A manifest with a line no tool writes (kept: a warning, not a refusal); an OVA without a manifest.
  {
    const dir = await stage('malformed-manifest');
    const good = await MANIFESTS.ovftool(dir, [ovfName, diskName]);
    await writeFile(join(dir, `${name}.mf`), `${good}MD5(${diskName})= 0123456789abcdef0123456789abcdef\nthis line is not a digest\n`);
    await tar('malformed-manifest', dir, [ovfName, `${name}.mf`, diskName]);
  }
  {
    const dir = await stage('no-manifest');
    await tar('no-manifest', dir, [ovfName, diskName]);
  }
  // A signed OVA as ovftool signs it: the .cert holds the manifest's signature line, then the PEM certificate.
  {
    const dir = await stage('signed');
    await writeFile(join(dir, `${name}.mf`), await MANIFESTS.ovftool(dir, [ovfName, diskName]));
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '3650', '-subj', '/CN=hyper2kvm test signer'], { cwd: dir });
    const signature = (await run('openssl', ['dgst', '-sha256', '-sign', 'key.pem', '-hex', `${name}.mf`], { cwd: dir })).stdout.split('= ').pop();
    await writeFile(join(dir, `${name}.cert`), `SHA256(${name}.mf)= ${signature}\n${await readFile(join(dir, 'cert.pem'), 'utf8')}`);
    await tar('signed', dir, [ovfName, `${name}.mf`, `${name}.cert`, diskName]);
  }
  // An OVA unpacked into a folder (tar -xf), given as the source as it is.
  {
    const dir = join(outDir, 'unpacked');
    await mkdir(dir);
    await run('tar', ['-xf', base.files.ova, '-C', dir]);
    files.unpacked = 'unpacked';
  }
  // Hardware without an operating system: an OVF (and manifest) whose only disk holds data.
  {
    const dir = join(outDir, 'ovf-no-os');
    await mkdir(dir);
    const dataDisk = `${name}-data.vmdk`;
    await run('qemu-img', ['convert', '-q', '-O', 'vmdk', '-o', 'subformat=streamOptimized', noOs.files.vmdk, join(dir, dataDisk)]);
    await writeFile(join(dir, ovfName), withFile(ovf, { href: dataDisk, size: (await stat(join(dir, dataDisk))).size }));
    await writeFile(join(dir, `${name}.mf`), await MANIFESTS.ovftool(dir, [ovfName, dataDisk]));
    files['ovf-no-os'] = 'ovf-no-os';
  }
  Object.assign(files, await buildSnapshotChains(base.files.vmdk, recipe, { outDir, workDir, ovf, ovfFile: ovfName }));
  Object.assign(files, await buildCheckpointChains((await ensureImage(recipe.hyperv.image)).files.vhdx, recipe.hyperv, { outDir, workDir }));
  return files;
}

/**
 * Hyper-V checkpoints: the base VHDX (qemu-img) and two differencing
 * .avhdx files on it, as Hyper-V names them, each renaming the host with
 * writes smaller than a 2 MiB block (partially present blocks with sector
 * bitmaps). Then the broken forms (a missing middle checkpoint, a base written
 * after the checkpoints), and a VHDX left with an unreplayed log.
 */
async function buildCheckpointChains(baseVhdx, { hostnames, checkpointIds }, { outDir, workDir }) {
  const dir = join(outDir, 'hyperv-checkpoints');
  await mkdir(dir);
  const baseName = basename(baseVhdx);
  await copyFile(baseVhdx, join(dir, baseName));
  const raw = join(workDir, 'hyperv-raw.img');
  await run('qemu-img', ['convert', '-q', '-O', 'raw', baseVhdx, raw]);
  const virtualSize = (await stat(raw)).size;
  const [root] = JSON.parse((await run('sfdisk', ['--json', raw])).stdout).partitiontable.partitions;
  let parent = baseName;
  const stem = baseName.replace(/\.vhdx$/, '');
  for (const [index, hostname] of hostnames.entries()) {
    const layer = `${stem}_${checkpointIds[index]}.avhdx`;
    const writes = await changeGuestFile(raw, { partitionStart: root.start, partitionSectors: root.size, path: '/etc/hostname', content: `${hostname}\n`, workDir });
    const { dataWriteGuid } = await readVhdxHeader(join(dir, parent));
    await writeDifferencingVhdx(join(dir, layer), { virtualSize, writes, parent: { dataWriteGuid, relativePath: `.\\${parent}`, absoluteWin32Path: `C:\\ProgramData\\Microsoft\\Windows\\Virtual Hard Disks\\${parent}` } });
    parent = layer;
  }
  // What the newest checkpoint must read as, to compare against.
  await run('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, join(outDir, 'hyperv-checkpoints-expected.qcow2')]);
  const files = { 'hyperv-checkpoints': `hyperv-checkpoints/${parent}`, 'hyperv-checkpoints-expected': 'hyperv-checkpoints-expected.qcow2' };

  const missing = join(outDir, 'hyperv-checkpoints-missing');
  await run('cp', ['-r', '--sparse=always', dir, missing]);
  await rm(join(missing, `${stem}_${checkpointIds[0]}.avhdx`));
  files['hyperv-checkpoints-missing'] = `hyperv-checkpoints-missing/${parent}`;

  const rewritten = join(outDir, 'hyperv-checkpoints-rewritten');
  await run('cp', ['-r', '--sparse=always', dir, rewritten]);
  // qemu, like Hyper-V, gives a VHDX a new DataWriteGuid on its first write: the checkpoints no longer match it.
  await run('qemu-io', ['-f', 'vhdx', '-c', 'write -q -P 0 65536 512', join(rewritten, baseName)]);
  files['hyperv-checkpoints-rewritten'] = `hyperv-checkpoints-rewritten/${parent}`;

  const dirty = join(outDir, 'vhdx-dirty-log.vhdx');
  await copyFile(baseVhdx, dirty);
  await leaveUnreplayedLog(dirty);
  files['vhdx-dirty-log'] = 'vhdx-dirty-log.vhdx';
  return files;
}

/**
 * VMware Workstation-style snapshot chains beside a VMX: web01.vmdk (base),
 * web01-000001.vmdk and web01-000002.vmdk (deltas with parentCID and
 * parentFileNameHint, as qemu-img writes them like VMware). Each snapshot
 * changes /etc/hostname, so the state migrated can be told apart. Then the
 * broken forms: a missing middle link, and a parent written after the
 * snapshot was taken (its CID changed).
 */
async function buildSnapshotChains(baseVmdk, recipe, { outDir, workDir, ovf, ovfFile }) {
  const ovfName = ovfFile.replace(/\.ovf$/, '');
  const { hostnames } = recipe.chain;
  const dir = join(outDir, 'vmx-chain');
  await mkdir(dir);
  await copyFile(baseVmdk, join(dir, 'web01.vmdk'));
  const raw = join(workDir, 'chain-raw.img');
  await run('qemu-img', ['convert', '-q', '-O', 'raw', baseVmdk, raw]);
  // The root file system is the first partition.
  const [root] = JSON.parse((await run('sfdisk', ['--json', raw])).stdout).partitiontable.partitions;
  const partitionStart = root.start;
  const partitionSectors = root.size;
  // The same first snapshot inside an OVA, as numbered members whose newest is a delta on the one before.
  const numbered = join(workDir, 'numbered-chain');
  await mkdir(numbered, { recursive: true });
  const member = (index) => `${ovfName}-disk1.vmdk.${String(index).padStart(9, '0')}`;
  await copyFile(baseVmdk, join(numbered, member(0)));
  await run('qemu-img', ['create', '-q', '-f', 'vmdk', '-b', member(0), '-F', 'vmdk', member(1)], { cwd: numbered });
  let parent = 'web01.vmdk';
  for (const [index, hostname] of hostnames.entries()) {
    const layer = `web01-${String(index + 1).padStart(6, '0')}.vmdk`;
    await run('qemu-img', ['create', '-q', '-f', 'vmdk', '-b', parent, '-F', 'vmdk', layer], { cwd: dir });
    const layers = [join(dir, layer), ...(index === 0 ? [join(numbered, member(1))] : [])];
    await writeGuestFile(raw, { partitionStart, partitionSectors, path: '/etc/hostname', content: `${hostname}\n`, workDir, layers });
    parent = layer;
  }
  await writeFile(join(numbered, ovfFile), ovf);
  await writeFile(join(numbered, ovfFile.replace(/\.ovf$/, '.mf')), await MANIFESTS.ovftool(numbered, [ovfFile, member(0), member(1)]));
  await run('tar', ['--format=ustar', ...TAR, '-C', numbered, '-cf', join(outDir, 'numbered-chain.ova'), ovfFile, ovfFile.replace(/\.ovf$/, '.mf'), member(0), member(1)]);
  await writeFile(join(dir, 'web01.vmx'), vmxFile({ name: 'web01', vm: recipe.chain.vm, firmware: 'bios', vmdks: [parent] }));
  const files = { 'vmx-chain': 'vmx-chain/web01.vmx', 'numbered-chain': 'numbered-chain.ova' };

  const missing = join(outDir, 'vmx-chain-missing');
  await run('cp', ['-r', '--sparse=always', dir, missing]);
  await rm(join(missing, 'web01-000001.vmdk'));
  files['vmx-chain-missing'] = 'vmx-chain-missing/web01.vmx';

  const rewritten = join(outDir, 'vmx-chain-cid');
  await run('cp', ['-r', '--sparse=always', dir, rewritten]);
  // Any write makes qemu (like VMware) give the base a new CID: the snapshots no longer match it.
  await run('qemu-io', ['-f', 'vmdk', '-c', 'write -q -P 0 65536 512', join(rewritten, 'web01.vmdk')]);
  files['vmx-chain-cid'] = 'vmx-chain-cid/web01.vmx';
  return files;
}

/**
 * Changes one file of the ext4 partition of `raw` (debugfs on the partition's
 * bytes, no appliance) and writes the 64 KiB blocks that changed into the
 * delta `layer` with qemu-io, so the delta holds only the change.
 */
async function writeGuestFile(raw, { partitionStart, partitionSectors, path, content, workDir, layers }) {
  const writes = await changeGuestFile(raw, { partitionStart, partitionSectors, path, content, workDir });
  const commands = [];
  for (const [index, { offset, data }] of writes.entries()) {
    const block = join(workDir, `block-${index}`);
    await writeFile(block, data);
    commands.push('-c', `write -q -s ${block} ${offset} ${data.length}`);
  }
  for (const layer of layers) await run('qemu-io', ['-f', 'vmdk', ...commands, layer]);
}

/**
 * Changes one file of the ext4 partition of `raw` in place (debugfs on a
 * copy of the partition's bytes) and returns the guest writes that made the
 * change: the 64 KiB blocks that differ, at their disk offsets.
 */
async function changeGuestFile(raw, { partitionStart, partitionSectors, path, content, workDir }) {
  const part = join(workDir, 'partition.img');
  await rm(part, { force: true });
  await run('dd', [`if=${raw}`, `of=${part}`, 'bs=512', `skip=${partitionStart}`, `count=${partitionSectors}`, 'conv=sparse', 'status=none']);
  const before = join(workDir, 'partition-before.img');
  await run('cp', ['--sparse=always', part, before]);
  const local = join(workDir, 'content');
  await writeFile(local, content);
  await run('debugfs', ['-w', '-R', `rm ${path}`, part]);
  await run('debugfs', ['-w', '-R', `write ${local} ${path}`, part]);
  const writes = [];
  const handle = await open(part, 'r');
  try {
    for (const offset of await changedBlocks(before, part, 65536)) {
      const data = Buffer.alloc(65536);
      await handle.read(data, 0, 65536, offset);
      writes.push({ offset: partitionStart * 512 + offset, data });
    }
  } finally {
    await handle.close();
  }
  await run('dd', [`if=${part}`, `of=${raw}`, 'bs=512', `seek=${partitionStart}`, 'conv=notrunc,sparse', 'status=none']);
  return writes;
}

/** Offsets of the `size`-byte blocks that differ between two files of equal size. */
async function changedBlocks(a, b, size) {
  const [left, right] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const { size: total } = await left.stat();
    const offsets = [];
    const x = Buffer.alloc(size);
    const y = Buffer.alloc(size);
    for (let offset = 0; offset < total; offset += size) {
      await left.read(x, 0, size, offset);
      await right.read(y, 0, size, offset);
      if (!x.equals(y)) offsets.push(offset);
    }
    return offsets;
  } finally {
    await left.close();
    await right.close();
  }
}
