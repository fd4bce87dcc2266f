/** The batch's pure parts: glob expansion, the scheduling rule, the exit-code rule, the batch file schema. */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigError } from '@hyper2kvm/core';
import { describe, expect, it } from 'vitest';
import { expandBraces, expandGlob } from '../src/batch/glob.js';
import { countStatuses, exitCodeOf } from '../src/batch/result.js';
import { runScheduled, stagesOf } from '../src/batch/scheduler.js';
import { validateBatchFile } from '../src/batch/schema.js';

describe('expandGlob', () => {
  it('matches *, ?, [..], {a,b} and ** like a shell, files only, sorted, no dot files', async () => {
    const root = await mkdtemp(join(tmpdir(), 'h2k-glob-'));
    for (const file of [
      'web-1/a.ova',
      'web-2/b.ova',
      'web-2/c.vmdk',
      'db-1.vmdk',
      'db-2.vmdk',
      'db-x.vmdk',
      'deep/x/y/z.vhdx',
      '.hidden/h.ova',
      'web-3/.h.ova',
    ]) {
      await mkdir(join(root, file, '..'), { recursive: true });
      await writeFile(join(root, file), '');
    }
    await mkdir(join(root, 'dir.ova'));
    const rel = async (pattern: string): Promise<string[]> => (await expandGlob(pattern, root)).map((path) => path.slice(root.length + 1));
    expect(await rel('web-*/*.ova')).toEqual(['web-1/a.ova', 'web-2/b.ova']);
    expect(await rel('db-?.vmdk')).toEqual(['db-1.vmdk', 'db-2.vmdk', 'db-x.vmdk']);
    expect(await rel('db-[0-9].vmdk')).toEqual(['db-1.vmdk', 'db-2.vmdk']);
    expect(await rel('db-[!0-9].vmdk')).toEqual(['db-x.vmdk']);
    expect(await rel('{web-2/*.vmdk,db-1.vmdk}')).toEqual(['db-1.vmdk', 'web-2/c.vmdk']);
    expect(await rel('**/*.vhdx')).toEqual(['deep/x/y/z.vhdx']);
    expect(await rel('**/*.ova')).toEqual(['web-1/a.ova', 'web-2/b.ova']);
    expect(await rel('*.ova')).toEqual([]);
    expect(await rel('nowhere/*.ova')).toEqual([]);
    expect(await expandGlob(join(root, 'db-1.vmdk'), '/')).toEqual([join(root, 'db-1.vmdk')]);
  });

  it('expands nested braces and leaves a lone brace literal', () => {
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('a{b}c')).toEqual(['a{b}c']);
    expect(expandBraces('a{b')).toEqual(['a{b']);
  });
});

describe('runScheduled', () => {
  const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  async function trace(
    groups: { parallel: number; concurrent: boolean; items: string[] }[],
    cap: number,
  ): Promise<{ log: string[]; peak: Map<string, number>; peakAll: number }> {
    const log: string[] = [];
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    let all = 0;
    let peakAll = 0;
    await runScheduled(groups, cap, async (item) => {
      const group = item[0]!;
      running.set(group, (running.get(group) ?? 0) + 1);
      peak.set(group, Math.max(peak.get(group) ?? 0, running.get(group)!));
      peakAll = Math.max(peakAll, ++all);
      log.push(`start ${item}`);
      await tick(item.endsWith('slow') ? 30 : 5);
      log.push(`end ${item}`);
      running.set(group, running.get(group)! - 1);
      all--;
    });
    return { log, peak, peakAll };
  }

  it('runs groups one after the other, each up to its parallel', async () => {
    const { log, peak } = await trace(
      [
        { parallel: 2, concurrent: false, items: ['a1-slow', 'a2', 'a3'] },
        { parallel: 1, concurrent: false, items: ['b1', 'b2'] },
      ],
      Infinity,
    );
    expect(peak.get('a')).toBe(2);
    expect(peak.get('b')).toBe(1);
    expect(log.indexOf('start b1')).toBeGreaterThan(log.indexOf('end a1-slow'));
    expect(log.slice(0, 2)).toEqual(['start a1-slow', 'start a2']);
  });

  it('runs a concurrent group together with the one before, under the global cap', async () => {
    const { log, peakAll } = await trace(
      [
        { parallel: 2, concurrent: false, items: ['a1-slow', 'a2-slow'] },
        { parallel: 2, concurrent: true, items: ['b1', 'b2'] },
        { parallel: 1, concurrent: false, items: ['c1'] },
      ],
      3,
    );
    expect(peakAll).toBe(3);
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1-slow'));
    expect(log.indexOf('start c1')).toBeGreaterThan(Math.max(log.indexOf('end a1-slow'), log.indexOf('end a2-slow'), log.indexOf('end b2')));
    expect(
      stagesOf([{ concurrent: false }, { concurrent: true }, { concurrent: false }, { concurrent: true }, { concurrent: true }]).map((stage) => stage.length),
    ).toEqual([2, 3]);
  });

  it('stops starting VMs when asked, letting running ones finish', async () => {
    const started: string[] = [];
    let stop = false;
    await runScheduled(
      [{ parallel: 1, concurrent: false, items: ['x', 'y', 'z'] }],
      4,
      async (item) => {
        started.push(item);
        stop = true;
        await tick(1);
      },
      () => !stop,
    );
    expect(started).toEqual(['x']);
  });
});

describe('exit code rule', () => {
  it('is 1 with any failure, else 3 with any block, else 0', () => {
    const code = (...statuses: Parameters<typeof countStatuses>[0][number]['status'][]): number =>
      exitCodeOf(countStatuses(statuses.map((status) => ({ status }))));
    expect(code('converted', 'skipped')).toBe(0);
    expect(code('converted', 'blocked')).toBe(3);
    expect(code('blocked', 'failed')).toBe(1);
    expect(code('converted', 'pending')).toBe(1);
  });
});

describe('batch file schema', () => {
  const problems = (raw: unknown): string[] => {
    try {
      validateBatchFile(raw, 'm.yaml');
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('names the file and the path of every problem', () => {
    expect(
      problems({
        migrations: [
          { name: 'a', source_pattern: 'x', output_dir: 'o' },
          { name: 'b', source_pattern: 'y', output_dir: 'o', parallel: 'x' },
        ],
      }),
    ).toEqual(['m.yaml: migrations[1].parallel: expected number, got "x"']);
    expect(problems({ migrations: [{ name: 'a', source_pattern: 'x', output_dir: 'o', paralel: 2 }] })).toEqual([
      'm.yaml: migrations[0]: unknown key "paralel"',
    ]);
    expect(
      problems({
        migrations: [
          { name: 'a', source_pattern: 'x', output_dir: 'o' },
          { name: 'a', source_pattern: 'y', output_dir: 'p' },
        ],
      }),
    ).toEqual(['m.yaml: migrations[1].name: duplicate group name "a" (also migrations[0])']);
    expect(problems({ migrations: [{ name: 'a', output_dir: 'o' }] })[0]).toMatch(/^m\.yaml: migrations\[0\]\.source_pattern: /);
    expect(problems({ migrations: [] })[0]).toMatch(/^m\.yaml: migrations: /);
    expect(
      problems({
        migrations: [
          {
            name: 'a',
            source_pattern: ['x', 'y'],
            output_dir: 'o',
            parallel: 3,
            concurrent: true,
            plugins: ['p', { plugin: 'q', options: { a: 1 } }],
            format: 'raw',
          },
        ],
      }),
    ).toEqual([]);
  });
});
