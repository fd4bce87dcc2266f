import { describe, expect, it } from 'vitest';
import { describeTransfer, formatElapsed, formatEta, formatRate, formatRunning, spinnerFrame, textBar, transferOf } from './format.js';

const MIB = 1024 * 1024;

describe('durations', () => {
  it('gives finished steps tenths under a minute, then minutes and hours', () => {
    expect(formatElapsed(430)).toBe('0.4 s');
    expect(formatElapsed(25_140)).toBe('25.1 s');
    expect(formatElapsed(125_000)).toBe('2 min 05 s');
    expect(formatElapsed(3_725_000)).toBe('1 h 02 min');
    expect(formatElapsed(-5)).toBe('0.0 s');
  });

  it('counts running steps in whole seconds', () => {
    expect(formatRunning(999)).toBe('0 s');
    expect(formatRunning(42_900)).toBe('42 s');
    expect(formatRunning(61_500)).toBe('1 min 01 s');
  });
});

describe('transfers', () => {
  it('derives bytes done, MiB/s and the time left from a percentage and the disk size', () => {
    const transfer = transferOf(25, 1024 * MIB, 2000);
    expect(transfer.done).toBe(256 * MIB);
    expect(transfer.rate).toBe(128 * MIB);
    expect(transfer.etaSeconds).toBe(6);
    expect(describeTransfer(transfer)).toBe('256 MiB / 1.0 GiB  128.0 MiB/s  ETA 6 s');
  });

  it('has no rate or ETA before any byte moved', () => {
    expect(transferOf(0, 1024 * MIB, 500)).toEqual({ done: 0, total: 1024 * MIB });
    expect(describeTransfer(transferOf(0, 1024 * MIB, 500))).toBe('0 B / 1.0 GiB  ? MiB/s  ETA ?');
  });

  it('formats rates and ETAs', () => {
    expect(formatRate(85.23 * MIB)).toBe('85.2 MiB/s');
    expect(formatRate(1500 * MIB)).toBe('1500 MiB/s');
    expect(formatEta(6.2)).toBe('ETA 7 s');
    expect(formatEta(200)).toBe('ETA 3 min 20 s');
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe('ETA ?');
  });

  it('draws a bar and a turning spinner', () => {
    expect(textBar(50, 10)).toBe('[#####.....]');
    expect(textBar(150, 4)).toBe('[####]');
    expect(spinnerFrame(0)).not.toBe(spinnerFrame(100));
    expect(spinnerFrame(0)).toBe(spinnerFrame(1000));
  });
});
