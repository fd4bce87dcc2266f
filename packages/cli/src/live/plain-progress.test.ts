import { describe, expect, it } from 'vitest';
import { plainProgressPrinter } from './plain-progress.js';

describe('plainProgressPrinter', () => {
  it('prints a line per step, action, kernel and new message, and quarters of counted work, without escape codes', () => {
    let text = '';
    const print = plainProgressPrinter((chunk) => (text += chunk));
    print({ step: 'launch', message: 'starting the libguestfs appliance' });
    print({ step: 'launch', message: 'libguestfs appliance under TCG (x)' });
    print({ step: 'copy', disk: 1, percent: 0, bytesTotal: 10 });
    for (let percent = 1; percent <= 100; percent++) print({ step: 'copy', disk: 1, percent });
    print({ step: 'fix', action: 'initramfs.rebuild', kernel: '6.1.0-13-amd64' });
    print({ step: 'fix', action: 'initramfs.rebuild', kernel: '6.1.0-13-amd64', message: 'again' });
    expect(text).toBe(
      [
        '» launch: starting the libguestfs appliance',
        '» launch: libguestfs appliance under TCG (x)',
        '  copy disk 1: 0%',
        '  copy disk 1: 25%',
        '  copy disk 1: 50%',
        '  copy disk 1: 75%',
        '  copy disk 1: 100%',
        '» fix initramfs.rebuild kernel 6.1.0-13-amd64',
        '» fix initramfs.rebuild kernel 6.1.0-13-amd64: again',
        '',
      ].join('\n'),
    );
    expect(text).not.toMatch(/\x1b/);
  });
});
