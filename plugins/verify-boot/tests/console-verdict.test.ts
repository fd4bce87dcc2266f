/**
 * The console parser on serial logs captured from real boots of the
 * debian-12-bootable test guest under qemu/TCG (see tests/fixtures/README.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanConsole, consoleTail, isGlobalAddress, isTimerCheckPanic, judgeConsole } from '../src/index.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('judgeConsole on captured boots', () => {
  it('a good boot: booted, network up at the configured address', () => {
    const verdict = judgeConsole(fixture('good-boot.log'));
    expect(verdict).toMatchObject({ state: 'booted', booted: true, network: true, networkKnown: true });
    // qemu's user network also hands out an IPv6 prefix (fec0::/64); link-local fe80:: is left out.
    expect(verdict.addresses).toEqual(['10.0.2.15', 'fec0::250:56ff:fe8a:3c12']);
    expect(verdict.detail).toBeUndefined();
  });

  it('a boot whose NIC config did not match: booted, network not up, and it says so', () => {
    const verdict = judgeConsole(fixture('booted-no-network.log'));
    expect(verdict).toMatchObject({ state: 'booted', booted: true, network: false, networkKnown: true, addresses: [] });
    expect(verdict.detail).toMatch(/no interface with a global address/);
  });

  it('root not found: failed, naming the missing device', () => {
    const verdict = judgeConsole(fixture('root-not-found.log'));
    expect(verdict).toMatchObject({ state: 'failed', booted: false, network: false });
    expect(verdict.detail).toBe('root device not found: /dev/sda1 does not exist (the initramfs gave up waiting for it)');
    expect(verdict.moreToCome).toBeUndefined();
  });

  it('root not found, cut before the ALERT lines: failed, with more to come', () => {
    const log = fixture('root-not-found.log');
    const cut = log.slice(0, log.indexOf('Gave up waiting for root') + 60);
    expect(judgeConsole(cut)).toMatchObject({ state: 'failed', moreToCome: true });
  });

  it('UEFI firmware that found nothing to boot and started its shell: failed, saying so', () => {
    const verdict = judgeConsole(fixture('uefi-shell.log'));
    expect(verdict).toMatchObject({ state: 'failed', booted: false });
    expect(verdict.detail).toMatch(/^the UEFI firmware found no boot loader/);
    // Before the prompt, the shell's banner and countdown are no verdict yet (a startup.nsh may still boot).
    const log = fixture('uefi-shell.log');
    expect(judgeConsole(log.slice(0, log.indexOf('Mapping table'))).state).not.toBe('failed');
  });

  it('a kernel panic: failed, with the panic message', () => {
    const verdict = judgeConsole(fixture('kernel-panic.log'));
    expect(verdict.state).toBe('failed');
    expect(verdict.detail).toMatch(/^kernel panic: VFS: Unable to mount root fs/);
  });

  it('any prefix of a good boot is never judged failed', () => {
    const log = fixture('good-boot.log');
    for (let end = 0; end < log.length; end += 997) expect(judgeConsole(log.slice(0, end)).state).not.toBe('failed');
  });

  it('never reports an address cut short by a line still arriving on the serial port', () => {
    const log = fixture('good-boot.log');
    const at = log.indexOf('10.0.2.15');
    expect(at).toBeGreaterThan(0);
    for (let end = at; end <= at + '10.0.2.15'.length; end++) {
      expect(judgeConsole(log.slice(0, end)).addresses).not.toContainEqual(expect.stringMatching(/^10\.0\.2\.1?$/));
    }
    expect(judgeConsole(log).addresses).toContain('10.0.2.15');
  });

  it('a good boot is still running until its login prompt or marker', () => {
    const log = fixture('good-boot.log');
    const beforeUserspace = log.slice(0, log.indexOf('Run /init as init process'));
    expect(beforeUserspace.length).toBeGreaterThan(0);
    expect(judgeConsole(beforeUserspace)).toMatchObject({ state: 'running', booted: false });
  });
});

describe('the emulated-timer panic of a loaded TCG host', () => {
  it('is a failure that the verifier may boot again for, and no other panic is', () => {
    const line =
      "[    1.903115] Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with apic=debug and send a report.  Then try booting with the 'noapic' option.\n";
    const verdict = judgeConsole(`Linux version 6.1.0-50-amd64\n${line}`);
    expect(verdict.state).toBe('failed');
    expect(isTimerCheckPanic({ ...verdict, booted: false })).toBe(true);
    expect(isTimerCheckPanic({ ...judgeConsole(fixture('kernel-panic.log')), booted: false })).toBe(false);
    expect(isTimerCheckPanic({ ...judgeConsole(fixture('root-not-found.log')), booted: false })).toBe(false);
  });
});

describe('console helpers', () => {
  it('strips terminal escapes and carriage returns, and keeps the last non-empty lines', () => {
    expect(cleanConsole('\x1b[0;32m  OK  \x1b[0m] Reached target\r\n')).toBe('  OK  ] Reached target\n');
    expect(consoleTail('a\n\nb\r\nc\n', 2)).toEqual(['b', 'c']);
  });

  it('counts only global addresses', () => {
    expect(['10.0.2.15', '2001:db8::1'].every(isGlobalAddress)).toBe(true);
    expect(['127.0.0.1', '169.254.3.4', '::1', 'fe80::5054:ff:fe12:3456', 'UP'].some(isGlobalAddress)).toBe(false);
  });

  it('reads DHCP and inet lines of guests without the marker', () => {
    const verdict = judgeConsole('host login: \n[   9.1] dhclient[411]: bound to 192.168.122.40 -- renewal in 1721 seconds.\n');
    expect(verdict).toMatchObject({ state: 'booted', network: true, networkKnown: true, addresses: ['192.168.122.40'] });
  });
});
