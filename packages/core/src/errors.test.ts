import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './error-codes.js';
import { asHyper2kvmError, Hyper2kvmError, InputError, summarizeError } from './errors.js';

const DOCS = join(import.meta.dirname, '..', '..', '..', 'docs', 'errors.md');

describe('error codes', () => {
  it('give each error its exit code from the table', () => {
    expect(new Hyper2kvmError('USAGE', 'x').exitCode).toBe(2);
    expect(new Hyper2kvmError('BLOCKED', 'x').exitCode).toBe(3);
    expect(new InputError('/a.ova', 'bad', { code: 'CHECKSUM_MISMATCH' }).exitCode).toBe(1);
  });

  it('wrap a real system error as SYSTEM, naming the path in words', async () => {
    const thrown = await readFile('/nonexistent/h2k-missing.ovf').catch((error: unknown) => error);
    const wrapped = asHyper2kvmError(thrown);
    expect(wrapped?.code).toBe('SYSTEM');
    expect(wrapped?.message).toBe('/nonexistent/h2k-missing.ovf: no such file or directory (open ENOENT)');
    expect(summarizeError(thrown)).toEqual({ code: 'SYSTEM', message: wrapped?.message, exitCode: 1 });
  });

  it('carry a hint to the summary only when they have one', () => {
    const hinted = new Hyper2kvmError('GUESTFS_CALL_FAILED', 'libguestfs: launch: x', { hint: 'run `hyper2kvm doctor`' });
    expect(summarizeError(hinted)).toEqual({ code: 'GUESTFS_CALL_FAILED', message: 'libguestfs: launch: x', exitCode: 1, hint: 'run `hyper2kvm doctor`' });
    expect(summarizeError(new Hyper2kvmError('USAGE', 'x'))).not.toHaveProperty('hint');
  });

  it('call anything else unexpected', () => {
    expect(summarizeError(new TypeError('x is undefined'))).toEqual({ code: 'UNEXPECTED', message: 'x is undefined', exitCode: 1 });
    expect(summarizeError('a string')).toEqual({ code: 'UNEXPECTED', message: 'a string', exitCode: 1 });
  });

  it('are all in docs/errors.md with their exit codes, and the docs name no other', async () => {
    const rows = [...(await readFile(DOCS, 'utf8')).matchAll(/^\| `([A-Z_]+)` \| (\d) \|/gm)].map((match) => [match[1], Number(match[2])]);
    expect(rows).toEqual(Object.entries(ERROR_CODES).map(([code, info]) => [code, info.exitCode]));
  });
});
