import { describe, expect, it } from 'vitest';
import { compareKernelVersions } from '@hyper2kvm/core';
import { kernelSeries, newestPerSeries } from '../src/kernels.js';

describe('kernel series', () => {
  it('orders versions by their numbers', () => {
    expect(['6.1.0-18-amd64', '6.1.0-9-amd64', '6.1.0-10-amd64'].sort(compareKernelVersions)).toEqual(['6.1.0-9-amd64', '6.1.0-10-amd64', '6.1.0-18-amd64']);
    expect(compareKernelVersions('5.14.0-362.8.1.el9_3.x86_64', '5.14.0-70.13.1.el9_0.x86_64')).toBeGreaterThan(0);
  });

  it('groups by major.minor and flavour', () => {
    expect(kernelSeries('6.1.0-18-amd64')).toBe('6.1 amd64');
    expect(kernelSeries('6.1.0-18-cloud-amd64')).toBe('6.1 cloud-amd64');
    expect(kernelSeries('5.15.0-91-generic')).toBe('5.15 generic');
    expect(kernelSeries('5.14.0-362.8.1.el9_3.x86_64')).toBe('5.14');
    expect(kernelSeries('6.6.30-0-lts')).toBe('6.6 lts');
  });

  it('keeps the newest of each series and names what supersedes the others', () => {
    const kernels = ['5.15.0-88-generic', '5.15.0-91-generic', '6.5.0-14-generic', '5.15.0-91-lowlatency'].map((version) => ({ version }));
    const { newest, older } = newestPerSeries(kernels);
    expect(newest.map((kernel) => kernel.version)).toEqual(['5.15.0-91-generic', '6.5.0-14-generic', '5.15.0-91-lowlatency']);
    expect(older.map(({ kernel, newer }) => [kernel.version, newer.version])).toEqual([['5.15.0-88-generic', '5.15.0-91-generic']]);
  });
});
