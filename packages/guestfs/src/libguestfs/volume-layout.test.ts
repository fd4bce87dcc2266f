import { describe, expect, it } from 'vitest';
import { GuestFsError } from '@hyper2kvm/core';
import { VolumeLayout } from './volume-layout.js';

const windows = VolumeLayout.systemAt('/volumes/system')
  .with({ guestRoot: '/.hyper2kvm/esp', appliancePath: '/volumes/esp' })
  .with({ guestRoot: '/.hyper2kvm/system-reserved', appliancePath: '/volumes/system-reserved' });

describe('VolumeLayout', () => {
  it('passes paths through unchanged when the guest root is the appliance root', () => {
    const identity = VolumeLayout.identity();
    expect(identity.isIdentity).toBe(true);
    for (const path of ['/', '/etc/fstab', '/boot/efi/EFI/*']) {
      expect(identity.toAppliance(path)).toBe(path);
      expect(identity.toGuest(path)).toBe(path);
    }
  });

  it.each([
    ['/', '/volumes/system'],
    ['/Windows/System32/config/SYSTEM', '/volumes/system/Windows/System32/config/SYSTEM'],
    ['/.hyper2kvm', '/volumes/system/.hyper2kvm'],
    ['/.hyper2kvm/esp', '/volumes/esp'],
    ['/.hyper2kvm/esp/EFI/Microsoft/Boot/BCD', '/volumes/esp/EFI/Microsoft/Boot/BCD'],
    ['/.hyper2kvm/esp2/x', '/volumes/system/.hyper2kvm/esp2/x'],
    ['/.HYPER2KVM/ESP/x', '/volumes/system/.HYPER2KVM/ESP/x'],
    ['/.hyper2kvm/system-reserved/Boot/BCD', '/volumes/system-reserved/Boot/BCD'],
    ['/.hyper2kvm/esp/EFI/*', '/volumes/esp/EFI/*'],
  ])('maps guest %s to appliance %s and back', (guest, appliance) => {
    expect(windows.isIdentity).toBe(false);
    expect(windows.toAppliance(guest)).toBe(appliance);
    expect(windows.toGuest(appliance)).toBe(guest);
  });

  it('knows the volume roots, which must not be removed or renamed', () => {
    expect(windows.guestRoots).toEqual(['/', '/.hyper2kvm/esp', '/.hyper2kvm/system-reserved']);
    expect(windows.isVolumeRoot('/')).toBe(true);
    expect(windows.isVolumeRoot('/.hyper2kvm/esp')).toBe(true);
    expect(windows.isVolumeRoot('/.hyper2kvm')).toBe(false);
    expect(windows.isVolumeRoot('/.hyper2kvm/esp/EFI')).toBe(false);
  });

  it('refuses two volumes at one guest path', () => {
    expect(() => windows.with({ guestRoot: '/.hyper2kvm/esp', appliancePath: '/volumes/esp2' })).toThrow(GuestFsError);
  });
});
