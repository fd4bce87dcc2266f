import { describe, expect, it } from 'vitest';
import { selectDrivers } from './virtio-win.js';
import { guidBytes, installSection } from './registry-plan.js';

describe('selectDrivers', () => {
  const listing = [
    'viostor/2k22/amd64/viostor.inf',
    'viostor/2k22/amd64/viostor.sys',
    'viostor/2k22/amd64/viostor.pdb',
    'viostor/2k22/amd64/viostor.cat',
    'viostor/w7/amd64/viostor.sys',
    'viostor/2k22/amd64',
    'sriov/2k22/amd64/vioprot.inf',
    'fwcfg/2k22/amd64/fwcfg.inf',
    'qemufwcfg/2k22/amd64/qemufwcfg.inf',
    'NetKVM/2K22/AMD64/netkvm.inf',
    'guest-agent/qemu-ga-x86_64.msi',
  ];
  it('keeps the OS/arch packages without .pdb, sriov and qemufwcfg (when fwcfg is there)', () => {
    expect(selectDrivers(listing, '2k22', 'amd64')).toEqual([
      { dir: 'fwcfg', files: ['fwcfg/2k22/amd64/fwcfg.inf'] },
      { dir: 'NetKVM', files: ['NetKVM/2K22/AMD64/netkvm.inf'] },
      { dir: 'viostor', files: ['viostor/2k22/amd64/viostor.cat', 'viostor/2k22/amd64/viostor.inf', 'viostor/2k22/amd64/viostor.sys'] },
    ]);
  });
  it('keeps qemufwcfg when it is alone', () => {
    expect(selectDrivers(['qemufwcfg/w7/x86/qemufwcfg.inf'], 'w7', 'x86')).toEqual([{ dir: 'qemufwcfg', files: ['qemufwcfg/w7/x86/qemufwcfg.inf'] }]);
  });
});

describe('registry helpers', () => {
  it('encodes a GUID in Windows binary order', () => {
    expect(guidBytes('{4D36E97B-E325-11CE-BFC1-08002BE10318}').toString('hex')).toBe('7be9364d25e3ce11bfc108002be10318');
  });
  it('finds the install section of a PCI ID in an INF', () => {
    const inf = '[viostor.NTamd64]\r\n%viostor.DeviceDesc% = scsi_inst, PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00\r\n';
    expect(installSection(inf, 'viostor', 'VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00')).toBe('scsi_inst');
    expect(installSection(inf, 'viostor', 'VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01')).toBe('viostor_inst');
  });
});
