import { describe, expect, it } from 'vitest';
import { applianceVcpus } from './appliance-size.js';

describe('applianceVcpus', () => {
  it('keeps a number the user set, even on a small host', () => {
    expect(applianceVcpus(3, 2)).toBe(3);
  });
  it('gives a second vCPU only on a host with CPUs to spare', () => {
    expect(applianceVcpus('auto', 1)).toBe(1);
    expect(applianceVcpus('auto', 2)).toBe(1);
    expect(applianceVcpus('auto', 4)).toBe(2);
    expect(applianceVcpus('auto', 64)).toBe(2);
  });
});
