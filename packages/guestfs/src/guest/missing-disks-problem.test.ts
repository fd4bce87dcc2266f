import { describe, expect, it } from 'vitest';
import { missingDisksProblem } from './missing-disks-problem.js';

describe('missingDisksProblem', () => {
  it('names the volume group, how many PVs it has and how many were found, and what to do', () => {
    expect(missingDisksProblem([{ name: 'rhel', physicalVolumes: 2, present: 1 }])).toBe(
      'LVM volume group rhel has 2 physical volumes but only 1 is on the disks given; give every disk of the VM (or its .vmx/.ovf)',
    );
  });

  it('gives one clause per incomplete group, on one line', () => {
    const problem = missingDisksProblem([
      { name: 'rhel', physicalVolumes: 2, present: 1 },
      { name: 'data', physicalVolumes: 4, present: 2 },
    ]);
    expect(problem).toBe(
      'LVM volume group rhel has 2 physical volumes but only 1 is on the disks given; LVM volume group data has 4 physical volumes but only 2 are on the disks given; give every disk of the VM (or its .vmx/.ovf)',
    );
    expect(problem).not.toContain('\n');
  });
});
