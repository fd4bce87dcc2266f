/** libguestfs returns hashes as a flat list `[key, value, key, value, …]`. */
export function pairs(flat: string[]): { mountpoint: string; device: string }[] {
  const result: { mountpoint: string; device: string }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    result.push({ mountpoint: flat[i] as string, device: flat[i + 1] as string });
  }
  return result;
}
