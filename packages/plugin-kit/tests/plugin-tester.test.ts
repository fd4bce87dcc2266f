// The PluginTester through the real engine: cases pass for a plugin that is
// right, and the tester fails for one whose repair repeats itself, for a
// valid guest that gets a change, and for a wrong expected content.
import { describe, expect, it } from 'vitest';
import { definePlugin } from '@hyper2kvm/core';
import { PluginTester, type TestFramework } from '../src/index.js';

const BANNER = 'Migrated to KVM.\n';

/** Appends the banner unless it is there: idempotent. */
const banner = definePlugin({
  name: 'banner',
  version: '1.0.0',
  api: 1,
  apply(hooks) {
    hooks.plan.tapPromise('banner', async (p) => {
      const issue = (await p.guest.readText('/etc/issue')) ?? '';
      if (!issue.includes(BANNER)) await p.writeFile('/etc/issue', issue + BANNER, 'banner');
    });
  },
});

/** Appends a line every time: planned again on its own result, it changes the file again. */
const stamper = definePlugin({
  name: 'stamper',
  version: '1.0.0',
  api: 1,
  apply(hooks) {
    hooks.plan.tapPromise('stamper', async (p) => {
      await p.writeFile('/etc/issue', `${(await p.guest.readText('/etc/issue')) ?? ''}stamp\n`, 'stamp');
    });
  },
});

/** Collects the tests a tester registers, to run them here and look at how they end. */
function collect(): TestFramework & { tests: Map<string, () => Promise<void>> } {
  const tests = new Map<string, () => Promise<void>>();
  const path: string[] = [];
  return {
    tests,
    describe(name, body) {
      path.push(name);
      body();
      path.pop();
    },
    it(name, body) {
      tests.set([...path, name].join(' > '), body);
    },
  };
}

new PluginTester({ describe, it }).run(banner, {
  valid: [{ name: 'the banner is already there', guest: { '/etc/issue': `Debian\n${BANNER}` } }],
  invalid: [
    { name: 'no banner yet', guest: { '/etc/issue': 'Debian\n' }, changes: [{ kind: 'file.write', path: '/etc/issue', after: `Debian\n${BANNER}` }] },
    { name: 'no /etc/issue at all', guest: { '/etc/os-release': 'ID=debian\n' }, changes: [{ path: '/etc/issue', after: /^Migrated/ }] },
  ],
});

describe('the tester fails what is wrong', () => {
  it('a repair that is not idempotent', async () => {
    const framework = collect();
    new PluginTester(framework).run(stamper, {
      valid: [],
      invalid: [{ name: 'stamps', guest: { '/etc/issue': 'Debian\n' }, changes: [{ path: '/etc/issue', after: 'Debian\nstamp\n' }] }],
    });
    await expect(framework.tests.get('stamper > invalid > stamps')!()).rejects.toThrow(
      /stamps: the plan is not idempotent: planned again on the repaired guest, it proposes changes/,
    );
  });

  it('a valid guest that gets a change', async () => {
    const framework = collect();
    new PluginTester(framework).run(stamper, { valid: [{ name: 'anything', guest: { '/etc/issue': 'x\n' } }], invalid: [] });
    await expect(framework.tests.get('stamper > valid > anything')!()).rejects.toThrow(/anything: a valid guest got changes/);
  });

  it('content other than expected', async () => {
    const framework = collect();
    new PluginTester(framework).run(banner, {
      valid: [],
      invalid: [{ name: 'wrong', guest: { '/etc/issue': 'Debian\n' }, changes: [{ path: '/etc/issue', after: 'something else' }] }],
    });
    await expect(framework.tests.get('banner > invalid > wrong')!()).rejects.toThrow(/wrong: change 1 \(file.write \/etc\/issue\): content/);
  });
});
