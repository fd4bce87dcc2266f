import { describe, expect, it } from 'vitest';
import { jsonText } from './output.js';

describe('jsonText', () => {
  it('writes bigints (e.g. an MBR partition offset in a plugin fact) as decimal strings instead of throwing', () => {
    const text = jsonText({
      facts: { extensions: { '@hyper2kvm/plugin-windows-guard': { stores: [{ device: { kind: 'mbr', offset: 1048576n, signature: 1 } }] } } },
      size: 2n ** 64n,
    });
    expect(JSON.parse(text)).toEqual({
      facts: { extensions: { '@hyper2kvm/plugin-windows-guard': { stores: [{ device: { kind: 'mbr', offset: '1048576', signature: 1 } }] } } },
      size: '18446744073709551616',
    });
    expect(text.endsWith('}\n')).toBe(true);
  });
});
