import { describe, expect, it } from 'vitest';
import { globToRegExp } from './paths.js';

describe('globToRegExp', () => {
  const matches = (pattern: string, path: string) => globToRegExp(pattern).test(path);

  it('matches * and ? within one path segment only', () => {
    expect(matches('/etc/netplan/*.yaml', '/etc/netplan/50-cloud-init.yaml')).toBe(true);
    expect(matches('/etc/*.yaml', '/etc/netplan/a.yaml')).toBe(false);
    expect(matches('/boot/vmlinuz-?.?', '/boot/vmlinuz-6.1')).toBe(true);
  });

  it('reads sets as the shell does: ranges, ! negation, ] first in the set, unclosed [ literal', () => {
    expect(matches('/dev/sd[a-c]1', '/dev/sdb1')).toBe(true);
    expect(matches('/dev/sd[!a]1', '/dev/sda1')).toBe(false);
    expect(matches('/dev/sd[!a]1', '/dev/sdb1')).toBe(true);
    expect(matches('/x/[]a]', '/x/]')).toBe(true);
    expect(matches('/x/[!]]', '/x/]')).toBe(false);
    expect(matches('/x/[^a]', '/x/^')).toBe(true);
    expect(matches('/x/[^a]', '/x/b')).toBe(false);
    expect(matches('/x/a[b', '/x/a[b')).toBe(true);
  });

  it('takes regular-expression characters literally', () => {
    expect(matches('/etc/(x)+.conf', '/etc/(x)+.conf')).toBe(true);
    expect(matches('/etc/a.conf', '/etc/abconf')).toBe(false);
    expect(matches('/a{b}|c$', '/a{b}|c$')).toBe(true);
  });
});
