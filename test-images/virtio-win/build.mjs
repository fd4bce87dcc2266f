// Builder for kind 'virtio-win': the driver tree (kept, for tests that want a
// folder like /usr/share/virtio-win) and an ISO9660 image with Rock Ridge and
// Joliet so names keep their case.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pePlaceholder } from '../lib/pe.mjs';
import { run } from '../lib/run.mjs';

const PLACEHOLDER = 'hyper2kvm test-images placeholder\r\n';

const DECORATION = { amd64: 'NTamd64', x86: 'NTx86', ARM64: 'NTarm64' };

/** An INF shaped like the virtio-win ones: class, catalog, models with PCI IDs, service. */
export function infText(recipe, driver, arch) {
  const deco = DECORATION[arch];
  const section = `${driver.name}_inst`;
  const lines = [
    ';-------------------------------------------------------------------------------',
    `; ${driver.name.toUpperCase()}.INF  (hyper2kvm test image: real layout, placeholder binaries)`,
    ';-------------------------------------------------------------------------------',
    '',
    '[Version]',
    'Signature="$WINDOWS NT$"',
    `Class=${driver.class}`,
    `ClassGuid=${recipe.classGuids[driver.class]}`,
    'Provider=%VENDOR%',
    `DriverVer=${recipe.driverVer}`,
    `CatalogFile=${driver.name}.cat`,
    'PnpLockdown=1',
    '',
    '[DestinationDirs]',
    'DefaultDestDir = 12',
    '',
    '[SourceDisksNames]',
    '1 = %DiskId1%,,,""',
    '',
    '[SourceDisksFiles]',
    ...(driver.noSys ? [] : [`${driver.name}.sys = 1,,`]),
    '',
    '[Manufacturer]',
    `%VENDOR% = ${driver.name}, ${deco}`,
    '',
    `[${driver.name}.${deco}]`,
    ...driver.ids.map((id) => `%${driver.name}.DeviceDesc% = ${section}, ${id}`),
    '',
    `[${section}]`,
    ...(driver.noSys ? [] : [`CopyFiles = @${driver.name}.sys`]),
    '',
    `[${section}.Services]`,
    driver.service ? `AddService = ${driver.service}, 0x00000002, ${driver.name}_Service_Inst` : 'AddService = , 0x00000002',
  ];
  if (driver.service) {
    lines.push(
      '',
      `[${driver.name}_Service_Inst]`,
      'ServiceType    = 1 ; SERVICE_KERNEL_DRIVER',
      `StartType      = ${driver.boot ? '0 ; SERVICE_BOOT_START' : '3 ; SERVICE_DEMAND_START'}`,
      'ErrorControl   = 1 ; SERVICE_ERROR_NORMAL',
      `ServiceBinary  = %12%\\${driver.name}.sys`,
      ...(driver.boot ? ['LoadOrderGroup = SCSI miniport'] : []),
    );
  }
  lines.push('', '[Strings]', 'VENDOR = "Red Hat, Inc."', `DiskId1 = "VirtIO driver disk (${recipe.version})"`, `${driver.name}.DeviceDesc = "${driver.desc}"`, '');
  return lines.join('\r\n');
}

/** PE machine of each virtio-win architecture directory that pePlaceholder can write. */
const PE_ARCH = { amd64: 'x86_64', x86: 'i386' };

/**
 * A placeholder driver binary: a PE header of the directory's architecture
 * (plain `MZ` for ARM64) followed by its own path, so every OS/architecture
 * copy has different bytes and a test can tell which directory a file came from.
 */
function driverBinary(path, arch) {
  const head = PE_ARCH[arch] ? pePlaceholder({ arch: PE_ARCH[arch], subsystem: 'native' }) : Buffer.from(`MZ${PLACEHOLDER}`, 'latin1');
  return Buffer.concat([head, Buffer.from(`${path}\r\n`, 'latin1')]);
}

/** Files of one driver for one OS and architecture: { relative path: content }. */
function driverFiles(recipe, driver, os, arch) {
  const dir = `${driver.dir}/${os}/${arch}`;
  const files = {
    [`${dir}/${driver.name}.inf`]: infText(recipe, driver, arch),
    [`${dir}/${driver.name}.cat`]: `${PLACEHOLDER}catalog for ${driver.name}.inf\r\n`,
  };
  if (!driver.noSys) {
    files[`${dir}/${driver.name}.sys`] = driverBinary(`${dir}/${driver.name}.sys`, arch);
    files[`${dir}/${driver.name}.pdb`] = PLACEHOLDER;
  }
  for (const extra of driver.extra ?? []) files[`${dir}/${extra}`] = extra.endsWith('.exe') || extra.endsWith('.dll') ? `MZ${PLACEHOLDER}` : PLACEHOLDER;
  return files;
}

/** The whole tree as { relative path: content }, plus data/info.json listing every driver package. */
export function treeFiles(recipe) {
  const files = {};
  const index = [];
  for (const driver of recipe.drivers) {
    for (const os of driver.os ?? Object.keys(recipe.osDirs)) {
      for (const arch of recipe.osDirs[os].filter((a) => !driver.archs || driver.archs.includes(a))) {
        Object.assign(files, driverFiles(recipe, driver, os, arch));
        index.push({ name: driver.dir, arch, windows_version: os, inf_path: `${driver.dir}/${os}/${arch}/${driver.name}.inf` });
      }
    }
  }
  // Each installer names itself, so the 32-bit and 64-bit guest agents differ.
  for (const f of recipe.rootFiles) files[f] = f.endsWith('.txt') ? `virtio-win ${recipe.version}\r\n${PLACEHOLDER}` : `MZ${PLACEHOLDER}${f}\r\n`;
  files['data/info.json'] = JSON.stringify({ version: recipe.version, drivers: index }, null, 2) + '\n';
  return files;
}

/**
 * @param {any} recipe
 * @param {{ outDir: string, workDir: string }} where
 */
export async function build(recipe, { outDir }) {
  const tree = join(outDir, 'tree');
  for (const [path, content] of Object.entries(treeFiles(recipe))) {
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), content);
  }
  const iso = `${recipe.name}.iso`;
  await run('genisoimage', ['-quiet', '-input-charset', 'utf-8', '-J', '-joliet-long', '-r', '-V', recipe.volumeId, '-o', join(outDir, iso), tree]);
  return { iso, tree: 'tree' };
}
