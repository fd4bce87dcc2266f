// Exporting a raw disk as the formats a VMware or Hyper-V export would hand us.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ovfDescriptor, vmxFile } from './ovf.mjs';
import { run } from './run.mjs';

/** VMDK via qemu-img (subformat monolithicSparse, streamOptimized, ...). */
export async function toVmdk(raw, out, subformat = 'monolithicSparse') {
  await run('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'vmdk', '-o', `subformat=${subformat},adapter_type=lsilogic`, raw, out]);
  return out;
}

/** VHDX (dynamic), as Hyper-V exports. */
export async function toVhdx(raw, out) {
  await run('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'vhdx', '-o', 'subformat=dynamic', raw, out]);
  return out;
}

async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * An OVA: ustar archive of the .ovf (first), the .mf manifest (SHA256 lines),
 * then the streamOptimized disk, in the order OVF 1.0 prescribes.
 */
export async function toOva(raw, outDir, { name, vm, firmware }) {
  const vmdkName = `${name}-disk1.vmdk`;
  const ovfName = `${name}.ovf`;
  const mfName = `${name}.mf`;
  const vmdk = await toVmdk(raw, join(outDir, vmdkName), 'streamOptimized');
  const capacity = (await stat(raw)).size;
  const ovf = ovfDescriptor({ name, vm, firmware, disk: { href: vmdkName, size: (await stat(vmdk)).size, capacity } });
  await writeFile(join(outDir, ovfName), ovf);
  const manifest = [ovfName, vmdkName].map(async (f) => `SHA256(${f})= ${await sha256File(join(outDir, f))}\n`);
  await writeFile(join(outDir, mfName), (await Promise.all(manifest)).join(''));
  const ova = join(outDir, `${name}.ova`);
  await run('tar', ['--format=ustar', '--numeric-owner', '--owner=0', '--group=0', '--mode=0644', '-C', outDir, '-cf', ova, ovfName, mfName, vmdkName]);
  await Promise.all([ovfName, mfName, vmdkName].map((f) => rm(join(outDir, f))));
  return ova;
}

/** A .vmx naming the VMDKs (which must be exported first), in disk order. */
export async function writeVmx(out, { name, vm, firmware, vmdks }) {
  await writeFile(out, vmxFile({ name, vm, firmware, vmdks }));
  return out;
}

/**
 * Where disk `index` (0-based) of a VM goes, as VMware names a VM's disks:
 * NAME.vmdk, NAME_1.vmdk, ... The manifest key is the format, then format2, ...
 */
function diskFile(name, format, index) {
  return { key: index === 0 ? format : `${format}${index + 1}`, file: index === 0 ? `${name}.${format}` : `${name}_${index}.${format}` };
}

/**
 * Every format the recipe's `export` list asks for, into outDir.
 * @param {string | string[]} raws the VM's raw disks, in order
 * @returns {Promise<Record<string,string>>} format -> file name (relative to outDir); format2, ... for further disks
 */
export async function exportDisk(raws, outDir, recipe) {
  const { name, vm, firmware } = recipe;
  const disks = [raws].flat();
  /** @type {Record<string,string>} */
  const files = {};
  /** Each disk in one format: files[key] = its name. */
  const eachDisk = async (format, convert) => {
    for (const [index, raw] of disks.entries()) {
      const { key, file } = diskFile(name, format, index);
      await convert(raw, join(outDir, (files[key] = file)));
    }
  };
  for (const format of recipe.export) {
    switch (format) {
      case 'vmdk':
        await eachDisk('vmdk', (raw, out) => toVmdk(raw, out));
        break;
      case 'vmx':
        if (!files.vmdk) throw new Error(`${name}: 'vmx' must come after 'vmdk' in export`);
        await writeVmx(join(outDir, (files.vmx = `${name}.vmx`)), { name, vm, firmware, vmdks: disks.map((_, i) => files[diskFile(name, 'vmdk', i).key]) });
        break;
      case 'ova':
        if (disks.length > 1) throw new Error(`${name}: 'ova' export is made for one disk only (this VM has ${disks.length})`);
        await toOva(disks[0], outDir, { name, vm, firmware });
        files.ova = `${name}.ova`;
        break;
      case 'vhdx':
        await eachDisk('vhdx', (raw, out) => toVhdx(raw, out));
        break;
      case 'raw':
        await eachDisk('raw', (raw, out) => run('cp', ['--sparse=always', raw, out]));
        break;
      default:
        throw new Error(`${name}: unknown export format ${format}`);
    }
  }
  return files;
}
