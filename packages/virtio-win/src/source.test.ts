import { describe, expect, it } from 'vitest';
import { parseIsoListing, virtioWinPath } from './source.js';

describe('parseIsoListing', () => {
  it('turns isoinfo -f output into relative paths', () => {
    const text = '/Balloon\n/viostor/w7\n/viostor/w7/amd64/viostor.inf\n/viostor/w7/amd64/viostor.sys\n\n/data/info.json\n';
    expect(parseIsoListing(text)).toEqual(['Balloon', 'data/info.json', 'viostor/w7', 'viostor/w7/amd64/viostor.inf', 'viostor/w7/amd64/viostor.sys']);
  });

  it('drops ISO9660 version suffixes, trailing dots, CRLF and noise lines', () => {
    expect(parseIsoListing('/VIOSTOR/W7/AMD64/VIOSTOR.INF;1\r\n/README.;1\r\nSetting input-charset\r\n')).toEqual(['README', 'VIOSTOR/W7/AMD64/VIOSTOR.INF']);
  });

  it('leaves out names that would climb out of the extraction folder', () => {
    expect(parseIsoListing('/../../etc/passwd\n/viostor/../../x\n/./a\n/ok/b.inf\n')).toEqual(['ok/b.inf']);
  });
});

describe('virtioWinPath', () => {
  it('takes the first path given (plugin option, then the run setting), then the packaged ISO', () => {
    expect(virtioWinPath('/opt/vw', '/run.iso')).toBe('/opt/vw');
    expect(virtioWinPath(undefined, '/run.iso')).toBe('/run.iso');
    expect(virtioWinPath(undefined, undefined)).toBe('/usr/share/virtio-win/virtio-win.iso');
  });
});
