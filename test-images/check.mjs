#!/usr/bin/env node
// Self-check: build (or reuse) the test images and prove they look like what
// they claim to be. For every disk image, virt-inspector (libguestfs
// inspect_os) must report the recipe's `expect` facts; OVA member order and manifest,
// disk formats, and the virtio-win ISO layout are checked too.
//
//   node test-images/check.mjs [name...] [--out DIR] [--no-inspect]
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { ensureImage, listImages, DEFAULT_CACHE_DIR } from './build.mjs';
import { readLvDevices } from './lib/lvm-layout.mjs';
import { applianceEnv } from './lib/run.mjs';

const failures = [];
const ok = (cond, what) => {
  if (!cond) failures.push(what);
  return cond;
};
const tag = (xml, name) => xml.match(new RegExp(`<${name}>([^<]*)</${name}>`))?.[1];

/** The facts virt-inspector reports for the first OS found. */
function parseInspector(xml) {
  const os = xml.split('<operatingsystem>')[1] ?? '';
  const head = os.split('<mountpoints>')[0];
  const mountpoints = Object.fromEntries([...os.matchAll(/<mountpoint dev="([^"]+)">([^<]+)<\/mountpoint>/g)].map((m) => [m[2], m[1]]));
  const applications = [...os.matchAll(/<application>\s*<name>([^<]+)<\/name>/g)].map((m) => m[1]);
  return {
    root: tag(head, 'root'), os: tag(head, 'name'), arch: tag(head, 'arch'), distro: tag(head, 'distro'),
    product: tag(head, 'product_name'), major: Number(tag(head, 'major_version')), minor: Number(tag(head, 'minor_version')),
    packageFormat: tag(head, 'package_format'), hostname: tag(head, 'hostname'), osinfo: tag(head, 'osinfo'),
    mountpoints, applications,
  };
}

/** virt-inspector on the VM's disks together; every fact the recipe's `expect` names must match. */
async function inspectGuest(name, disks, format, expect) {
  const started = Date.now();
  const { stdout } = await execa('virt-inspector', ['--no-icon', `--format=${format}`, ...disks.flatMap((disk) => ['-a', disk])], { env: applianceEnv() });
  const facts = parseInspector(stdout);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const apps = facts.applications.length;
  console.log(`  inspect (${secs} s): ${facts.distro} ${facts.major}.${facts.minor} "${facts.product}" ${facts.arch} host=${facts.hostname} osinfo=${facts.osinfo} root=${facts.root} apps=${apps}`);
  console.log(`  mountpoints: ${Object.entries(facts.mountpoints).map(([m, d]) => `${m}=${d}`).join(' ')}`);
  for (const key of ['os', 'distro', 'product', 'major', 'minor', 'arch', 'hostname', 'packageFormat']) {
    if (key in expect) ok(facts[key] === expect[key], `${name}: ${key} is ${JSON.stringify(facts[key])}, expected ${JSON.stringify(expect[key])}`);
  }
  const sorted = (o) => JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
  if (expect.mountpoints) {
    ok(sorted(facts.mountpoints) === sorted(expect.mountpoints), `${name}: mountpoints ${JSON.stringify(facts.mountpoints)}, expected ${JSON.stringify(expect.mountpoints)}`);
  }
  for (const app of expect.applications ?? []) ok(facts.applications.includes(app), `${name}: application ${app} not listed`);
}

/** `expect.lvDevices` ('vg/lv' -> PVs): which PVs each LV really has extents on, and that there are no other PVs. */
async function checkLvDevices(name, disks, format, expected) {
  const pvs = [...new Set(Object.values(expected).flat())].sort();
  const found = await readLvDevices(disks, { format, pvs });
  console.log(`  lvm: PVs ${found.pvs.join(' ')}; ${Object.entries(found.lvDevices).map(([lv, on]) => `${lv} on ${on.join('+')}`).join(', ')}`);
  ok(JSON.stringify([...found.pvs].sort()) === JSON.stringify(pvs), `${name}: PVs are ${found.pvs.join(', ')}, expected ${pvs.join(', ')}`);
  for (const [lv, on] of Object.entries(expected)) {
    ok(JSON.stringify(found.lvDevices[lv]) === JSON.stringify([...on].sort()), `${name}: ${lv} is on ${found.lvDevices[lv]?.join(', ')}, expected ${on.join(', ')}`);
  }
}

/** The image's disks of one format in VM order (vmdk, vmdk2, ...). */
function disksOfFormat(files, format) {
  const index = (key) => Number(key.slice(format.length) || 1);
  return Object.keys(files).filter((key) => new RegExp(`^${format}\\d*$`).test(key)).sort((a, b) => index(a) - index(b)).map((key) => files[key]);
}

async function diskFormat(path) {
  const { stdout } = await execa('qemu-img', ['info', '--output=json', path]);
  const info = JSON.parse(stdout);
  return { format: info.format, subformat: info['format-specific']?.data?.['create-type'], virtualSize: info['virtual-size'] };
}

async function checkOva(name, ova) {
  const { stdout } = await execa('tar', ['-tf', ova]);
  const members = stdout.split('\n');
  console.log(`  ova members: ${members.join(', ')}`);
  ok(members[0]?.endsWith('.ovf'), `${name}: the .ovf is not the first OVA member`);
  const mf = members.find((m) => m.endsWith('.mf'));
  if (!ok(mf, `${name}: no manifest in the OVA`)) return;
  const manifest = (await execa('tar', ['-xOf', ova, mf])).stdout;
  for (const [, file, sum] of manifest.matchAll(/^SHA256\(([^)]+)\)= ([0-9a-f]{64})$/gm)) {
    const content = (await execa('tar', ['-xOf', ova, file], { encoding: 'buffer', stripFinalNewline: false })).stdout;
    ok(createHash('sha256').update(content).digest('hex') === sum, `${name}: manifest digest of ${file} does not match`);
  }
  const ovf = (await execa('tar', ['-xOf', ova, members[0]])).stdout;
  for (const needle of ['<VirtualSystem ovf:id=', '<rasd:VirtualQuantity>2</rasd:VirtualQuantity>', '<rasd:VirtualQuantity>2048</rasd:VirtualQuantity>', 'VmxNet3', 'vmdk.html#streamOptimized', '00:50:56:aa:bb:cc']) {
    ok(ovf.includes(needle), `${name}: OVF lacks ${needle}`);
  }
}

async function checkVirtioWin(image) {
  const { stdout } = await execa('isoinfo', ['-R', '-f', '-i', image.files.iso]);
  const paths = new Set(stdout.split('\n'));
  const joliet = (await execa('isoinfo', ['-J', '-f', '-i', image.files.iso])).stdout;
  console.log(`  iso: ${paths.size} Rock Ridge paths; Joliet keeps case: ${joliet.includes('/NetKVM/')}`);
  ok(joliet.includes('/NetKVM/w10/amd64/netkvm.inf'), 'virtio-win: Joliet names lost their case');
  for (const os of image.recipe.expect.osDirs) {
    ok(paths.has(`/viostor/${os}/amd64/viostor.sys`), `virtio-win: /viostor/${os}/amd64/viostor.sys missing`);
    ok(paths.has(`/NetKVM/${os}/amd64/netkvm.inf`), `virtio-win: /NetKVM/${os}/amd64/netkvm.inf missing`);
  }
  for (const p of ['/viostor/w7/x86/viostor.inf', '/viostor/w10/x86/viostor.sys', '/vioserial/w10/amd64/vioser.sys', '/qemufwcfg/w10/amd64/qemufwcfg.inf', '/fwcfg/w10/amd64/fwcfg.inf', '/viostor/w10/amd64/viostor.pdb', '/sriov/2k22/amd64/vioprot.inf', '/guest-agent/qemu-ga-x86_64.msi', '/data/info.json']) {
    ok(paths.has(p), `virtio-win: ${p} missing`);
  }
}

async function main(argv) {
  let names = [];
  let cacheDir = DEFAULT_CACHE_DIR;
  let inspect = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') cacheDir = argv[++i];
    else if (argv[i] === '--no-inspect') inspect = false;
    else names.push(argv[i]);
  }
  if (names.length === 0) names = await listImages();
  for (const name of names) {
    const image = await ensureImage(name, { cacheDir, log: (l) => console.log(l) });
    const { files, recipe } = image;
    if (recipe.kind === 'virtio-win') {
      await checkVirtioWin(image);
      continue;
    }
    for (const [kind, path] of Object.entries(files)) {
      const format = /^(vmdk|vhdx)\d*$/.exec(kind)?.[1];
      if (format) {
        const info = await diskFormat(path);
        console.log(`  ${kind}: ${info.format}${info.subformat ? ` (${info.subformat})` : ''}, ${info.virtualSize / 2 ** 20} MiB virtual`);
        ok(info.format === format, `${name}: ${path} is ${info.format}`);
      }
    }
    if (files.ova) await checkOva(name, files.ova);
    if (files.vmx) console.log(`  vmx: ${(await execa('grep', ['-E', '^(firmware|numvcpus|memsize|scsi0:[0-9]+.fileName|ethernet0.(virtualDev|address))', files.vmx])).stdout.split('\n').join('; ')}`);
    const format = files.vmdk ? 'vmdk' : 'vhdx';
    const disks = disksOfFormat(files, format);
    if (inspect && disks.length && recipe.expect) await inspectGuest(name, disks, format, recipe.expect);
    if (inspect && disks.length && recipe.expect?.lvDevices) await checkLvDevices(name, disks, format, recipe.expect.lvDevices);
  }
  if (failures.length) {
    console.log(`\nFAILED (${failures.length}):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exit(1);
  }
  console.log('\nall checks passed');
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`check: ${err.message}`);
  process.exit(1);
});
