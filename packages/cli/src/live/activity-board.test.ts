import { describe, expect, it } from 'vitest';
import { ActivityBoard } from './activity-board.js';

const MIB = 1024 * 1024;

describe('ActivityBoard', () => {
  it('shows the running step with the VM and elapsed time, and leaves a line with its duration when the next starts', () => {
    const board = new ActivityBoard('web01.ova');
    expect(board.apply({ step: 'launch', message: 'libguestfs appliance under TCG (KVM probe timed out after 8 s)' }, 1000)).toEqual([]);
    expect(board.lines(13_500)).toEqual([
      expect.stringMatching(/^. launch {2}web01\.ova {2}12 s {2}libguestfs appliance under TCG \(KVM probe timed out after 8 s\)$/),
    ]);
    expect(board.apply({ step: 'inspect', vm: 'web01' }, 26_100)).toEqual([
      '✓ launch  web01  25.1 s  libguestfs appliance under TCG (KVM probe timed out after 8 s)',
    ]);
    expect(board.lines(26_100)).toEqual([expect.stringMatching(/^. inspect {2}web01 {2}0 s$/)]);
  });

  it('names the deferred action and its kernel, each kernel a step of its own', () => {
    const board = new ActivityBoard('vm');
    board.apply({ step: 'fix' }, 0);
    expect(board.apply({ step: 'fix', action: 'initramfs.rebuild', kernel: '5.15.0-91-generic' }, 400)).toEqual(['✓ fix  vm  0.4 s']);
    board.apply({ step: 'fix', action: 'initramfs.rebuild', kernel: '5.15.0-91-generic', message: 'rebuilding with initramfs-tools in the appliance' }, 500);
    expect(board.lines(41_000)[0]).toMatch(
      / fix initramfs\.rebuild kernel 5\.15\.0-91-generic {2}vm {2}40 s {2}rebuilding with initramfs-tools in the appliance$/,
    );
    expect(board.apply({ step: 'fix', action: 'grub.mkconfig' }, 45_000)[0]).toBe(
      '✓ fix initramfs.rebuild kernel 5.15.0-91-generic  vm  44.6 s  rebuilding with initramfs-tools in the appliance',
    );
  });

  it('shows a disk copy beside the running step with bytes, MiB/s and ETA, and its rate when done', () => {
    const board = new ActivityBoard('vm');
    board.apply({ step: 'launch' }, 0);
    board.apply({ step: 'copy', disk: 1, percent: 0, bytesTotal: 1024 * MIB }, 0);
    board.apply({ step: 'copy', disk: 1, percent: 25 }, 2000);
    const lines = board.lines(2000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/ copy disk 1 {2}vm {2}2 s {2} 25% \[###\.{9}\] {2}256 MiB \/ 1\.0 GiB {2}128\.0 MiB\/s {2}ETA 6 s$/);
    // A new step does not end the copy running beside it.
    expect(board.apply({ step: 'inspect' }, 3000)).toEqual(['✓ launch  vm  3.0 s']);
    expect(board.apply({ step: 'copy', disk: 1, percent: 100 }, 8000)).toEqual(['✓ copy disk 1  vm  8.0 s  1.0 GiB at 128.0 MiB/s']);
    expect(board.lines(8000)).toHaveLength(1);
  });

  it('ends a step’s per-disk parts with the step, and marks the step a run failed in', () => {
    const board = new ActivityBoard('vm');
    board.apply({ step: 'convert', percent: 0 }, 0);
    board.apply({ step: 'convert', disk: 1, percent: 40, bytesTotal: 100 * MIB }, 1000);
    expect(board.apply({ step: 'emit' }, 2000)).toEqual([expect.stringMatching(/^✓ convert {2}vm {2}2\.0 s/), '✓ convert disk 1  vm  1.0 s']);
    expect(board.finishAll(2500, 'failed')).toEqual(['✗ emit  vm  0.5 s']);
    expect(board.lines(2500)).toEqual([]);
  });
});
