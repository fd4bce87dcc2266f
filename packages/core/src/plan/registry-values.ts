/**
 * Reading typed registry values without casts: each returns the data when
 * the value has the expected type, `undefined` (or `[]`) otherwise. Accepts
 * the plan's registry view and anything shaped `{ type, data }` (such as
 * @hyper2kvm/registry's values, which also know REG_NONE).
 */
import type { RegistryValue } from './changes.js';

/** A typed value as any registry reader returns it. */
type AnyRegistryValue = RegistryValue | { type: string; data: unknown };

/** REG_SZ or REG_EXPAND_SZ text. */
export function registryString(value: AnyRegistryValue | null): string | undefined {
  return value && (value.type === 'REG_SZ' || value.type === 'REG_EXPAND_SZ') && typeof value.data === 'string' ? value.data : undefined;
}

/** A REG_DWORD. */
export function registryDword(value: AnyRegistryValue | null): number | undefined {
  return value?.type === 'REG_DWORD' && typeof value.data === 'number' ? value.data : undefined;
}

/** REG_MULTI_SZ entries (a single REG_SZ counts as one entry). */
export function registryStrings(value: AnyRegistryValue | null): string[] {
  if (!value) return [];
  if (value.type === 'REG_MULTI_SZ' && Array.isArray(value.data)) return value.data.map(String);
  const text = registryString(value);
  return text === undefined ? [] : [text];
}

/** REG_BINARY bytes. */
export function registryBinary(value: AnyRegistryValue | null): Buffer | undefined {
  return value?.type === 'REG_BINARY' && value.data instanceof Uint8Array ? Buffer.from(value.data) : undefined;
}
