/** Doctor: is OVMF (UEFI firmware) there, for UEFI guests' verify boots? */
import { access } from 'node:fs/promises';
import type { CheckFinding } from './check.js';

/** Where the verifier looks for OVMF; the plugin is loaded by name, as plugins are (the CLI never imports one statically). */
const VERIFIER_PACKAGE = '@hyper2kvm/plugin-verify-boot';

async function verifierFirmware(): Promise<{ code: string; vars: string }> {
  const library = (await import(VERIFIER_PACKAGE)) as { DEBIAN_OVMF: { code: string; vars: string } };
  return library.DEBIAN_OVMF;
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** Checks the firmware files the verifier boots UEFI guests with (default: the ones it names). */
export async function checkOvmf(firmware?: { code: string; vars: string }): Promise<CheckFinding> {
  const paths = firmware ?? (await verifierFirmware());
  const missing = [];
  for (const path of [paths.code, paths.vars]) if (!(await exists(path))) missing.push(path);
  if (missing.length === 0) return { status: 'ok', detail: `OVMF found (${paths.code})` };
  return {
    status: 'warn',
    detail: `OVMF missing (${missing.join(', ')}): UEFI guests cannot be verified here`,
    fix: 'install ovmf (apt-get install ovmf)',
  };
}
