// npm run demo: builds a sample VMware-style VM (an Ubuntu 22.04-like OVA:
// fstab and grub by /dev/sda1, netplan pinned to ens192 and a VMware MAC,
// open-vm-tools) and migrates it end to end, printing the plan and the report.
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '@hyper2kvm/cli';
import { createRunLogger } from '@hyper2kvm/core';
import { renderPlan } from '@hyper2kvm/core';
import { ensureImage } from '../../test-images/build.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outputDir = join(root, 'demo-output');

const line = (text = '') => process.stdout.write(`${text}\n`);

line('== hyper2kvm demo: a VMware-style Ubuntu 22.04 VM to KVM ==');
const image = await ensureImage('ubuntu-2204');
const source = image.files.ova;
line(`source: ${relative(process.cwd(), source)} (OVA with OVF and a streamOptimized VMDK)`);
line();

let step = '';
const report = await migrate({
  sources: [source],
  outputDir,
  cwd: root,
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
line(`status: ${report.status}; outputs in ${relative(process.cwd(), outputDir)}/`);
line(`start it with: virsh define ${relative(process.cwd(), join(outputDir, `${report.name}.xml`))} && virsh start ${report.name}`);
