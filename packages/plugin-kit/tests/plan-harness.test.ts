import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, materializeGuest, planWithPlugins } from '../src/index.js';

const motd = definePlugin({
  name: 'motd',
  version: '1.0.0',
  api: 1,
  options: z.object({ banner: z.string().default('migrated') }),
  appliesTo: (facts) => facts.os.type === 'linux',
  apply(hooks, { options }) {
    hooks.plan.tapPromise('motd', async (p) => {
      if (!(await p.editFile('/etc/motd', (text) => `${text}${options.banner}\n`, 'say where it runs'))) {
        p.report({ rule: 'no-motd', severity: 'info', message: 'no /etc/motd' });
      }
    });
  },
});

describe('planWithPlugins', () => {
  it('runs inspect and plan on an inline guest and shows the file as planned', async () => {
    const outcome = await planWithPlugins({
      plugins: [[motd, { banner: 'now on KVM' }]],
      guest: { '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n', '/etc/motd': 'hello\n' },
    });
    expect(outcome.facts.linux?.distro).toBe('debian');
    expect(await outcome.fileAfter('/etc/motd')).toBe('hello\nnow on KVM\n');
    expect(outcome.plan.changes).toHaveLength(1);
    expect(outcome.text).toContain('+now on KVM');
    await outcome.cleanup();
  });

  it('applies option defaults, appliesTo and reports findings', async () => {
    const linux = await planWithPlugins({ plugins: [motd], guest: { '/etc/os-release': 'ID=debian\n' } });
    expect(linux.plan.findings).toEqual([{ plugin: 'motd', rule: 'no-motd', severity: 'info', message: 'no /etc/motd' }]);
    await linux.cleanup();
    const windows = await planWithPlugins({ plugins: [motd], guest: { '/etc/motd': 'x\n' }, facts: { os: { type: 'windows', arch: 'x86_64' } } });
    expect(windows.plan).toEqual({ changes: [], actions: [], findings: [] });
    await windows.cleanup();
  });

  it('keeps inline guest paths inside the temporary root', async () => {
    const root = await materializeGuest({ '/../../escape.txt': 'x', '/etc/a': 'a', '/bin/sh': { symlink: 'busybox' } });
    expect((await readdir(root)).sort()).toEqual(['bin', 'escape.txt', 'etc']);
    expect(await readdir(join(root, 'etc'))).toEqual(['a']);
  });
});
