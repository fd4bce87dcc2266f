import { describe, expect, it } from 'vitest';
import { BatchBoard } from './batch-board.js';

describe('BatchBoard', () => {
  it('keeps a running total and one line per running VM with its step, percent and time', () => {
    const board = new BatchBoard(0);
    board.apply({ type: 'batch-start', total: 4, toRun: 4, skipped: 0, parallel: 2, stages: [['web']], warnings: [], dryRun: false }, 0);
    board.apply({ type: 'vm-start', vm: 'web/a', attempt: 1 }, 0);
    board.apply({ type: 'vm-start', vm: 'web/b', attempt: 1 }, 1000);
    board.apply({ type: 'vm-progress', vm: 'web/a', step: 'launch' }, 1000);
    board.apply({ type: 'vm-progress', vm: 'web/a', step: 'copy', disk: 1, percent: 40 }, 2000);
    board.apply({ type: 'vm-progress', vm: 'web/b', step: 'fix', action: 'initramfs.rebuild', kernel: '6.1.0-13-amd64' }, 3000);
    const lines = board.lines(12_000);
    expect(lines[0]).toBe('batch: 0/4 done, 0 failed, 0 blocked, 2 running, 2 queued — 12 s');
    expect(lines[1]).toMatch(/^ {2}. web\/a: launch \(copy disk 1 40%\) {2}12 s$/);
    expect(lines[2]).toMatch(/^ {2}. web\/b: fix initramfs\.rebuild kernel 6\.1\.0-13-amd64 {2}11 s$/);

    board.apply({ type: 'vm-progress', vm: 'web/a', step: 'convert', percent: 55 }, 13_000);
    expect(board.lines(13_000)[1]).toMatch(/web\/a: convert 55% \(copy disk 1 40%\)/);
    board.apply({ type: 'vm-end', vm: 'web/a', status: 'converted', ms: 14_000 }, 14_000);
    board.apply({ type: 'vm-end', vm: 'web/b', status: 'failed', ms: 13_000, error: 'x' }, 14_000);
    board.apply({ type: 'vm-start', vm: 'web/c', attempt: 1 }, 14_000);
    expect(board.lines(15_000)).toEqual(['batch: 1/4 done, 1 failed, 0 blocked, 1 running, 1 queued — 15 s', expect.stringMatching(/web\/c: start {2}1 s$/)]);
  });
});
