/** Small readers of typed registry values. */
/** A typed value from the plan's registry view or from @hyper2kvm/registry (which also knows REG_NONE). */
type RegistryValue = { type: string; data: unknown };

export function stringOf(value: RegistryValue | null): string | undefined {
  return value && (value.type === 'REG_SZ' || value.type === 'REG_EXPAND_SZ') && typeof value.data === 'string' ? value.data : undefined;
}

export function dwordOf(value: RegistryValue | null): number | undefined {
  return value?.type === 'REG_DWORD' && typeof value.data === 'number' ? value.data : undefined;
}

export function multiOf(value: RegistryValue | null): string[] {
  if (!value) return [];
  if (value.type === 'REG_MULTI_SZ' && Array.isArray(value.data)) return value.data.map(String);
  if ((value.type === 'REG_SZ' || value.type === 'REG_EXPAND_SZ') && typeof value.data === 'string') return [value.data];
  return [];
}

export function binaryOf(value: RegistryValue | null): Buffer | undefined {
  return value?.type === 'REG_BINARY' && value.data instanceof Uint8Array ? Buffer.from(value.data) : undefined;
}
