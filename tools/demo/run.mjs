// npm run demo: builds a real minimal Debian 12 guest set up as on VMware
// (root and fstab by /dev/sda1, an initramfs without virtio, the NIC pinned
// to ens192 and a VMware MAC, open-vm-tools), migrates it end to end, prints
// the plan and the report, and boots the result to prove it comes up.
// The first run builds the guest with debootstrap (a few minutes); later runs use the cache.
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '@hyper2kvm/cli';
import { createRunLogger, renderPlan } from '@hyper2kvm/core';
import { ensureImage } from '../../test-images/build.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outputDir = join(root, 'demo-output');
const line = (text = '') => process.stdout.write(`${text}\n`);

line('== hyper2kvm demo: a VMware-style Debian 12 VM to KVM ==');
line('building (or reusing) the sample guest…');
const image = await ensureImage('debian-12-bootable', { log: (text) => line(`  ${text}`) });
const source = image.files.vmx ?? image.files.vmdk;
line(`source: ${relative(process.cwd(), source)}`);
line();

let step = '';
const report = await migrate({
  sources: [source],
  outputDir,
  cwd: root,
  verify: true,
  logger: createRunLogger({ file: join(outputDir, 'hyper2kvm.log'), console: null }),
  onPlan: (plan) => {
    line('== plan ==');
    process.stdout.write(renderPlan(plan));
    line();
  },
  onProgress: (event) => {
    if (event.step !== step) {
      step = event.step;
      line(`» ${event.step}`);
    }
  },
});

line();
line('== report ==');
process.stdout.write(await readFile(join(outputDir, 'report.md'), 'utf8'));
line();
line(
  `status: ${report.status}; boot check: ${report.verify?.booted ? 'booted' : 'did not boot'}, network ${report.verify?.network ? `up at ${report.verify.addresses.join(', ')}` : 'down'}`,
);
line(
  `outputs in ${relative(process.cwd(), outputDir)}/; start it with: virsh define ${relative(process.cwd(), join(outputDir, `${report.name}.xml`))} && virsh start ${report.name}`,
);
