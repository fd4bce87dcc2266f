import { mkdtemp } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ACTION_STAGE,
  BlockedError,
  CORE_VERSION,
  ConfigError,
  Engine,
  PluginError,
  emptyFacts,
  fixTimingKey,
  orderPlugins,
  type EnginePlugin,
  type ProgressEvent,
} from '../src/index.js';
import { MemoryGuest, testPlugin } from './helpers.js';

function engineOf(...plugins: EnginePlugin['plugin'][]): Engine {
  return new Engine({ plugins: plugins.map((plugin) => ({ plugin, options: {} })), coreVersion: CORE_VERSION });
}

describe('Engine hooks', () => {
  it('runs the lifecycle hooks in order with each tap named after its plugin', async () => {
    const calls: string[] = [];
    const plugin = testPlugin({
      name: 'recorder',
      apply(hooks) {
        hooks.inspect.tapPromise('recorder', async () => void calls.push('inspect'));
        hooks.plan.tapPromise('recorder', async () => void calls.push('plan'));
        hooks.fixOffline.tapPromise('recorder', async () => void calls.push('fixOffline'));
        hooks.convert.tap('recorder', () => void calls.push('convert'));
        hooks.emit.tap('recorder', () => void calls.push('emit'));
        hooks.verify.tap('recorder', () => void calls.push('verify'));
      },
    });
    const engine = engineOf(plugin);
    const guest = new MemoryGuest();
    const facts = await engine.inspect(guest, emptyFacts());
    const plan = await engine.plan(guest, facts);
    await engine.fix(guest, facts, plan, { backupDir: await mkdtemp(join(tmpdir(), 'h2k-')) });
    const logger = (await import('../src/logger.js')).silentLogger();
    await engine.convert({ facts, jobs: [], format: 'qcow2', compress: false, outputs: [], progress: () => undefined, logger });
    await engine.emit({ name: 'vm', outputDir: '/tmp', networkMap: {}, facts, plan, outputs: [], writeOutput: async () => '', emitted: [], logger });
    await engine.verify({ name: 'vm', outputDir: '/tmp', facts, outputs: [], logger });
    expect(calls).toEqual(['inspect', 'plan', 'fixOffline', 'convert', 'emit', 'verify']);
  });

  it('skips plan taps of plugins whose appliesTo rejects the guest', async () => {
    const calls: string[] = [];
    const windowsOnly = testPlugin({
      name: 'windows-only',
      appliesTo: (facts) => facts.os.type === 'windows',
      apply(hooks) {
        hooks.plan.tap('windows-only', () => void calls.push('windows-only'));
      },
    });
    const always = testPlugin({ name: 'always', apply: (hooks) => hooks.plan.tap('always', () => void calls.push('always')) });
    const engine = engineOf(windowsOnly, always);
    const guest = new MemoryGuest();
    const facts = await engine.inspect(guest, emptyFacts());
    await engine.plan(guest, facts);
    expect(calls).toEqual(['always']);
    expect(engine.activePlugins).toEqual(['always']);
  });

  it('attributes anything a plugin throws to the plugin and the hook', async () => {
    const broken = testPlugin({
      name: '@vendor/plugin-broken',
      apply(hooks) {
        hooks.plan.tapPromise('x', async () => {
          throw new Error('cannot parse netplan');
        });
      },
    });
    const engine = engineOf(broken);
    const guest = new MemoryGuest();
    const error = await engine.plan(guest, await engine.inspect(guest, emptyFacts())).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PluginError);
    expect(error).toMatchObject({
      plugin: '@vendor/plugin-broken',
      hook: 'plan',
      message: 'plugin @vendor/plugin-broken failed in plan: cannot parse netplan',
    });
  });

  it('attributes a throw in apply itself', () => {
    const broken = testPlugin({
      name: 'bad-apply',
      apply: () => {
        throw new Error('boom');
      },
    });
    expect(() => engineOf(broken)).toThrow('plugin bad-apply failed in apply: boom');
  });
});

describe('planned view', () => {
  it('lets a second plugin edit the file the first one changed, and attributes both diffs', async () => {
    const first = testPlugin({
      name: 'first',
      apply: (hooks) =>
        hooks.plan.tapPromise('first', async (p) => void (await p.editFile('/etc/fstab', (text) => text.replace('/dev/sda1', 'UUID=abc'), 'stable names'))),
    });
    const second = testPlugin({
      name: 'second',
      apply: (hooks) =>
        hooks.plan.tapPromise('second', async (p) => {
          expect(await p.guest.readText('/etc/fstab')).toBe('UUID=abc / ext4 defaults 0 1\n');
          await p.editFile('/etc/fstab', (text) => text + '/dev/mapper/data /data xfs defaults 0 2\n', 'add data');
        }),
    });
    const guest = new MemoryGuest({ '/etc/fstab': '/dev/sda1 / ext4 defaults 0 1\n' });
    const engine = engineOf(first, second);
    const plan = await engine.plan(guest, await engine.inspect(guest, emptyFacts()));
    expect(plan.changes.map((change) => change.plugin)).toEqual(['first', 'second']);
    const [a, b] = plan.changes;
    expect(a?.kind === 'file.write' && a.before?.toString()).toBe('/dev/sda1 / ext4 defaults 0 1\n');
    expect(b?.kind === 'file.write' && b.before?.toString()).toBe('UUID=abc / ext4 defaults 0 1\n');
    // Planning wrote nothing.
    expect((await guest.readFile('/etc/fstab')).toString()).toBe('/dev/sda1 / ext4 defaults 0 1\n');

    const backupDir = await mkdtemp(join(tmpdir(), 'h2k-backup-'));
    await engine.fix(guest, emptyFacts(), plan, { backupDir });
    expect((await guest.readFile('/etc/fstab')).toString()).toBe('UUID=abc / ext4 defaults 0 1\n/dev/mapper/data /data xfs defaults 0 2\n');
    expect(await readFile(join(backupDir, 'files/etc/fstab'), 'utf8')).toBe('/dev/sda1 / ext4 defaults 0 1\n');
  });

  it('hides deleted files and shows created ones in readdir and glob', async () => {
    const guest = new MemoryGuest({ '/etc/netplan/00-installer.yaml': 'a', '/etc/netplan/01-old.yaml': 'b' });
    const plugin = testPlugin({
      name: 'netplan',
      apply: (hooks) =>
        hooks.plan.tapPromise('netplan', async (p) => {
          await p.deleteFile('/etc/netplan/01-old.yaml', 'obsolete');
          await p.writeFile('/etc/netplan/90-kvm.yaml', 'c', 'new');
          expect(await p.guest.readdir('/etc/netplan')).toEqual(['00-installer.yaml', '90-kvm.yaml']);
          expect(await p.guest.glob('/etc/netplan/*.yaml')).toEqual(['/etc/netplan/00-installer.yaml', '/etc/netplan/90-kvm.yaml']);
          expect(await p.guest.exists('/etc/netplan/01-old.yaml')).toBe(false);
        }),
    });
    const engine = engineOf(plugin);
    const plan = await engine.plan(guest, await engine.inspect(guest, emptyFacts()));
    expect(plan.changes.map((change) => change.kind)).toEqual(['file.delete', 'file.write']);
  });
});

describe('dispose', () => {
  it("runs every plugin's dispose taps once, active or not, and logs a failing one instead of throwing", async () => {
    const calls: string[] = [];
    const engine = engineOf(
      testPlugin({
        name: 'windows-only',
        appliesTo: (facts) => facts.os.type === 'windows',
        apply: (hooks) => hooks.dispose.tap('windows-only', () => void calls.push('windows-only')),
      }),
      testPlugin({
        name: 'broken',
        apply: (hooks) =>
          hooks.dispose.tap('broken', () => {
            calls.push('broken');
            throw new Error('cannot remove');
          }),
      }),
      testPlugin({ name: 'last', apply: (hooks) => hooks.dispose.tapPromise('last', async () => void calls.push('last')) }),
    );
    await engine.inspect(new MemoryGuest({}), emptyFacts());
    await engine.dispose();
    await engine.dispose();
    expect(calls).toEqual(['windows-only', 'broken', 'last']);
  });
});

describe('deferred actions', () => {
  it("runs an action requested by several plugins once, after the file changes, by its providers' stages", async () => {
    const runs: { key: string; requestedBy: string[]; params: Record<string, unknown>; fstab: string }[] = [];
    const guest = new MemoryGuest({ '/etc/fstab': 'old\n' });
    const provider = testPlugin({
      name: 'provider',
      apply(hooks) {
        const stages: Record<string, number> = { 'grub.mkconfig': ACTION_STAGE.bootloader, 'initramfs.rebuild': ACTION_STAGE.initramfs };
        for (const key of ['grub.mkconfig', 'initramfs.rebuild']) {
          hooks.action.for(key).tapPromise(
            'provider',
            async ({ request, guest: g }) => {
              runs.push({ key: request.key, requestedBy: request.requestedBy, params: request.params, fstab: (await g.readFile('/etc/fstab')).toString() });
            },
            { stage: stages[key] },
          );
        }
      },
    });
    const requester = (name: string, kernels: string[]) =>
      testPlugin({
        name,
        apply: (hooks) =>
          hooks.plan.tapPromise(name, async (p) => {
            p.requireAction('grub.mkconfig');
            p.requireAction('initramfs.rebuild', { kernels });
            await p.writeFile('/etc/fstab', 'new\n', 'x');
          }),
      });
    const engine = engineOf(provider, requester('a', ['5.15']), requester('b', ['5.15', '6.1']));
    const facts = await engine.inspect(guest, emptyFacts());
    const plan = await engine.plan(guest, facts);
    await engine.fix(guest, facts, plan, { backupDir: await mkdtemp(join(tmpdir(), 'h2k-')) });
    expect(runs).toEqual([
      { key: 'initramfs.rebuild', requestedBy: ['a', 'b'], params: { kernels: ['5.15', '6.1'] }, fstab: 'new\n' },
      { key: 'grub.mkconfig', requestedBy: ['a', 'b'], params: {}, fstab: 'new\n' },
    ]);
  });

  it('tells which action runs, for which kernels, and what the action says it does per kernel', async () => {
    const guest = new MemoryGuest({ '/etc/fstab': 'old\n' });
    const provider = testPlugin({
      name: 'provider',
      apply(hooks) {
        hooks.action.for('initramfs.rebuild').tapPromise('provider', async ({ request, progress }) => {
          for (const kernel of request.params['kernels'] as string[]) progress({ kernel, message: 'rebuilding' });
        });
        hooks.action.for('grub.mkconfig').tap('provider', () => undefined, { stage: ACTION_STAGE.bootloader });
      },
    });
    const requester = testPlugin({
      name: 'requester',
      apply: (hooks) =>
        hooks.plan.tapPromise('requester', async (p) => {
          p.requireAction('initramfs.rebuild', { kernels: ['5.15', '6.1'] });
          p.requireAction('grub.mkconfig');
        }),
    });
    const engine = engineOf(provider, requester);
    const facts = await engine.inspect(guest, emptyFacts());
    const plan = await engine.plan(guest, facts);
    const events: ProgressEvent[] = [];
    await engine.fix(guest, facts, plan, { backupDir: await mkdtemp(join(tmpdir(), 'h2k-')), onProgress: (event) => events.push(event) });
    expect(events).toEqual([
      { step: 'fix', action: 'initramfs.rebuild', message: 'kernels 5.15, 6.1' },
      { step: 'fix', action: 'initramfs.rebuild', kernel: '5.15', message: 'rebuilding' },
      { step: 'fix', action: 'initramfs.rebuild', kernel: '6.1', message: 'rebuilding' },
      { step: 'fix', action: 'grub.mkconfig' },
    ]);
  });

  it('hands actions the applied plan and records their findings under the provider, relabel last', async () => {
    const order: string[] = [];
    const seenChanges: string[] = [];
    const guest = new MemoryGuest({ '/etc/fstab': 'old\n' });
    const provider = testPlugin({
      name: 'provider',
      apply(hooks) {
        // Core names no action: each provider says where its action goes.
        const stages: Record<string, number> = {
          'selinux.relabel': ACTION_STAGE.labels,
          'vendor.custom': 50,
          'hypervisor-tools.remove': ACTION_STAGE.packages,
          'initramfs.rebuild': ACTION_STAGE.initramfs,
        };
        for (const key of ['selinux.relabel', 'vendor.custom', 'hypervisor-tools.remove', 'initramfs.rebuild']) {
          hooks.action.for(key).tap(
            'provider',
            ({ request, plan, report }) => {
              order.push(request.key);
              if (key === 'selinux.relabel') seenChanges.push(...plan.changes.map((change) => (change.kind === 'file.write' ? change.path : change.kind)));
              report({ rule: 'done', severity: 'info', message: `${key} ran` });
            },
            { stage: stages[key] },
          );
        }
      },
    });
    const requester = testPlugin({
      name: 'requester',
      apply: (hooks) =>
        hooks.plan.tapPromise('requester', async (p) => {
          for (const key of ['selinux.relabel', 'vendor.custom', 'initramfs.rebuild', 'hypervisor-tools.remove']) p.requireAction(key);
          await p.writeFile('/etc/fstab', 'new\n', 'x');
        }),
    });
    const engine = engineOf(provider, requester);
    const facts = await engine.inspect(guest, emptyFacts());
    const plan = await engine.plan(guest, facts);
    await engine.fix(guest, facts, plan, { backupDir: await mkdtemp(join(tmpdir(), 'h2k-')) });
    expect(order).toEqual(['hypervisor-tools.remove', 'initramfs.rebuild', 'vendor.custom', 'selinux.relabel']);
    expect(seenChanges).toEqual(['/etc/fstab']);
    expect(plan.findings.map((finding) => [finding.plugin, finding.message])).toEqual([
      ['provider', 'hypervisor-tools.remove ran'],
      ['provider', 'initramfs.rebuild ran'],
      ['provider', 'vendor.custom ran'],
      ['provider', 'selinux.relabel ran'],
    ]);
  });

  it('records the wall time of the changes, the fixOffline taps and each action, also when an action fails', async () => {
    const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const provider = testPlugin({
      name: 'provider',
      apply(hooks) {
        hooks.fixOffline.tapPromise('provider', () => pause(30));
        hooks.action.for('initramfs.rebuild').tapPromise('provider', () => pause(120), { stage: ACTION_STAGE.initramfs });
        hooks.action.for('grub.mkconfig').tapPromise(
          'provider',
          async () => {
            await pause(60);
            throw new Error('grub-mkconfig exited 1');
          },
          { stage: ACTION_STAGE.bootloader },
        );
      },
    });
    const requester = testPlugin({
      name: 'requester',
      apply: (hooks) =>
        hooks.plan.tapPromise('requester', async (p) => {
          p.requireAction('grub.mkconfig');
          p.requireAction('initramfs.rebuild');
          await p.writeFile('/etc/fstab', 'new\n', 'x');
        }),
    });
    const engine = engineOf(provider, requester);
    const guest = new MemoryGuest({ '/etc/fstab': 'old\n' });
    const facts = await engine.inspect(guest, emptyFacts());
    const plan = await engine.plan(guest, facts);
    const timings: Record<string, number> = { plan: 5 };
    const error = await engine.fix(guest, facts, plan, { backupDir: await mkdtemp(join(tmpdir(), 'h2k-')), timings }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PluginError);
    expect(Object.keys(timings)).toEqual([
      'plan',
      fixTimingKey('changes'),
      fixTimingKey('fixOffline'),
      'fix.action:initramfs.rebuild',
      'fix.action:grub.mkconfig',
    ]);
    expect(timings['plan']).toBe(5);
    // Each part's time covers its own pause (a timer may fire a millisecond early; a loaded host only adds).
    expect(timings['fix.fixOffline']).toBeGreaterThanOrEqual(28);
    expect(timings['fix.action:initramfs.rebuild']).toBeGreaterThanOrEqual(118);
    expect(timings['fix.action:grub.mkconfig']).toBeGreaterThanOrEqual(58);
  });

  it('turns an action nobody provides into an error finding that blocks the fix (exit 3)', async () => {
    const guest = new MemoryGuest();
    const engine = engineOf(testPlugin({ name: 'needy', apply: (hooks) => hooks.plan.tap('needy', (p) => p.requireAction('selinux.relabel')) }));
    const facts = await engine.inspect(guest, emptyFacts());
    const plan = await engine.plan(guest, facts);
    expect(plan.findings).toMatchObject([{ severity: 'error', rule: 'action-without-provider' }]);
    const error = await engine.fix(guest, facts, plan, { backupDir: '/nonexistent' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BlockedError);
    expect((error as BlockedError).exitCode).toBe(3);
  });
});

describe('plugin order', () => {
  const named = (name: string, extra: object = {}) => ({ name, ...extra });

  it('puts pre first and post last, keeping config order otherwise', () => {
    const order = orderPlugins([named('a', { enforce: 'post' }), named('b'), named('c', { enforce: 'pre' }), named('d')]).map((p) => p.name);
    expect(order).toEqual(['c', 'b', 'd', 'a']);
  });

  it('honours before and after over config order', () => {
    const order = orderPlugins([named('emit', { after: ['fix'] }), named('fix'), named('early', { before: ['fix'] })]).map((p) => p.name);
    expect(order).toEqual(['early', 'fix', 'emit']);
  });

  it('reports a cycle naming the plugins', () => {
    expect(() => orderPlugins([named('a', { after: ['b'] }), named('b', { after: ['c'] }), named('c', { after: ['a'] })], 'hyper2kvm.config.json')).toThrow(
      /hyper2kvm\.config\.json: plugin order has a cycle: (a → c → b → a|a → b → c → a|b → a → c → b|c → b → a → c)/,
    );
  });

  it('reports an unknown name as a config error', () => {
    const error = (() => {
      try {
        orderPlugins([named('a', { after: ['ghost'] })], 'cfg.json');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(['cfg.json: plugin a wants to run after ghost, which is not enabled']);
  });
});

describe('action providers that do not apply', () => {
  it('an action whose only provider does not apply to the guest is an error finding, not a silent skip', async () => {
    const provider = testPlugin({
      name: 'linux-only-provider',
      appliesTo: (facts) => facts.os.type === 'linux',
      apply: (hooks) => hooks.action.for('grub.mkconfig').tap('x', () => undefined),
    });
    const requester = testPlugin({ name: 'requester', apply: (hooks) => hooks.plan.tap('requester', (p) => p.requireAction('grub.mkconfig')) });
    const engine = engineOf(provider, requester);
    const guest = new MemoryGuest();
    const plan = await engine.plan(guest, await engine.inspect(guest, emptyFacts()));
    expect(plan.findings).toMatchObject([{ rule: 'action-without-provider', severity: 'error' }]);
  });

  it('attributes emitted files to the plugin that wrote them', async () => {
    const emitter = testPlugin({
      name: 'emitter',
      apply: (hooks) => hooks.emit.tapPromise('emitter', async (context) => void (await context.writeOutput('x.txt', 'x', 'a file'))),
    });
    const engine = engineOf(emitter);
    const guest = new MemoryGuest();
    const facts = await engine.inspect(guest, emptyFacts());
    const written: { name: string; plugin: string | undefined }[] = [];
    const logger = (await import('../src/logger.js')).silentLogger();
    await engine.emit({
      name: 'vm',
      outputDir: '/tmp',
      networkMap: {},
      facts,
      plan: { changes: [], actions: [], findings: [] },
      outputs: [],
      emitted: [],
      logger,
      writeOutput: async (name, _content, _description, plugin) => {
        written.push({ name, plugin });
        return name;
      },
    });
    expect(written).toEqual([{ name: 'x.txt', plugin: 'emitter' }]);
  });
});
