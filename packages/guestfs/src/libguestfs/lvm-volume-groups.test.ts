import { describe, expect, it } from 'vitest';
import { findIncompleteVolumeGroups } from './lvm-volume-groups.js';

// UUIDs as the appliance reports them for rhel-9-lvm-2disk opened with disk 1 alone.
const PV1 = 'EjaTb5-1EtU-x0Fz-c05Z-10Ue-TVyQ-2rljjD';
const PV2 = '1IxW5w-W2xd-s2sV-gYqN-dcta-PKuV-SXyp6W';
const PV3 = 'Zp0Qr8-Aa1b-Cc2d-Ee3f-Gg4h-Ii5j-Kk6lM7';

describe('findIncompleteVolumeGroups', () => {
  it('reports a volume group whose metadata lists a PV that is not on the disks', () => {
    expect(findIncompleteVolumeGroups([{ name: 'rhel', pvUuids: [PV1, PV2] }], [PV1])).toEqual([{ name: 'rhel', physicalVolumes: 2, present: 1 }]);
  });

  it('reports nothing when every PV of every group is present', () => {
    expect(
      findIncompleteVolumeGroups(
        [
          { name: 'rhel', pvUuids: [PV1, PV2] },
          { name: 'data', pvUuids: [PV3] },
        ],
        [PV2, PV3, PV1],
      ),
    ).toEqual([]);
    expect(findIncompleteVolumeGroups([], [])).toEqual([]);
  });

  it('reports only the incomplete groups, in the order LVM lists them', () => {
    const groups = [
      { name: 'data', pvUuids: [PV2, PV3] },
      { name: 'rhel', pvUuids: [PV1] },
      { name: 'backup', pvUuids: [PV3, PV2] },
    ];
    expect(findIncompleteVolumeGroups(groups, [PV1, PV2])).toEqual([
      { name: 'data', physicalVolumes: 2, present: 1 },
      { name: 'backup', physicalVolumes: 2, present: 1 },
    ]);
  });

  it('matches UUIDs printed with and without dashes', () => {
    expect(findIncompleteVolumeGroups([{ name: 'rhel', pvUuids: [PV1, PV2] }], [PV1.replaceAll('-', ''), PV2])).toEqual([]);
    expect(findIncompleteVolumeGroups([{ name: 'rhel', pvUuids: [PV1.replaceAll('-', ''), PV2] }], [PV1])).toEqual([
      { name: 'rhel', physicalVolumes: 2, present: 1 },
    ]);
  });
});
