import type { Finding } from '@hyper2kvm/core';
import { describe, expect, it } from 'vitest';
import { blockedMessage } from './blocked-message.js';

const finding = (severity: Finding['severity'], message: string, hint?: string): Finding => ({
  plugin: 'p',
  rule: 'r',
  severity,
  message,
  ...(hint === undefined ? {} : { hint }),
});

describe('blockedMessage', () => {
  it('names the VM and gives each error with its fix, on one line', () => {
    const message = blockedMessage('win10', [
      finding('error', 'Windows is hibernated.', 'Run `powercfg /h off`, shut down and export again.'),
      finding('warning', 'A warning is not a reason.', 'ignored'),
      finding('error', 'Fast Startup is on', 'Turn it off\nand export again'),
    ]);
    expect(message).toBe(
      'win10: blocked by error findings, nothing was written. Windows is hibernated. Fix: Run `powercfg /h off`, shut down and export again. Fast Startup is on. Fix: Turn it off and export again.',
    );
    expect(message).not.toContain('\n');
  });

  it('leaves out "Fix:" when a finding has no hint', () => {
    expect(blockedMessage('vm', [finding('error', 'No root file system found')])).toBe(
      'vm: blocked by error findings, nothing was written. No root file system found.',
    );
  });
});
