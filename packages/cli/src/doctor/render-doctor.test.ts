import { describe, expect, it } from 'vitest';
import { renderDoctor } from './render-doctor.js';
import { spaceStatus } from './space-check.js';
import { volumeIdOf } from './virtio-win-check.js';

describe('doctor output', () => {
  it('gives one line per check, the fix beside what is not ok, then the verdict', () => {
    const text = renderDoctor({
      ready: true,
      checks: [
        {
          id: 'accelerator',
          title: 'KVM',
          status: 'warn',
          detail: 'TCG (emulation), KVM not usable: KVM probe timed out after 8 s',
          fix: 'fix the host',
          ms: 8100,
        },
        { id: 'qemu-img', title: 'qemu-img', status: 'ok', detail: 'qemu-img version 7.2.15', fix: 'never shown', ms: 5 },
      ],
    });
    expect(text).toBe(
      [
        'warn  KVM       TCG (emulation), KVM not usable: KVM probe timed out after 8 s — fix: fix the host',
        'ok    qemu-img  qemu-img version 7.2.15',
        '',
        'A migration can run on this host (1 warning).',
        '',
      ].join('\n'),
    );
    expect(renderDoctor({ ready: false, checks: [{ id: 'q', title: 'q', status: 'fail', detail: 'd', fix: 'f', ms: 1 }] })).toContain(
      'No migration can run on this host until the failed check is fixed.',
    );
  });

  it('fails under 1 GiB free, warns under 20 GiB', () => {
    expect(spaceStatus(512 * 1024 ** 2)).toBe('fail');
    expect(spaceStatus(5 * 1024 ** 3)).toBe('warn');
    expect(spaceStatus(50 * 1024 ** 3)).toBe('ok');
  });

  it('reads the virtio-win ISO volume id from isoinfo -d', () => {
    expect(volumeIdOf('CD-ROM is in ISO 9660 format\nSystem id: LINUX\nVolume id: virtio-win-0.1.240\nVolume set id: \n')).toBe('virtio-win-0.1.240');
    expect(volumeIdOf('nothing here')).toBeUndefined();
  });
});
