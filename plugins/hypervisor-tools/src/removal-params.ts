/** Parameters of the `hypervisor-tools.remove` action, as the plan records them. */

/** Key of the deferred action that removes hypervisor tools inside the appliance. */
export const REMOVE_ACTION = 'hypervisor-tools.remove';

export interface RemovalParams {
  /** Packages known to be installed (read from the package database files during plan). */
  packages: string[];
  /** Name patterns checked against the guest's package manager inside the appliance (rpm databases). */
  candidates: string[];
  /** Uninstallers of tools installed without a package manager; globs allowed. */
  uninstallers: string[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Reads the merged request params; anything missing is an empty list. */
export function readRemovalParams(params: Record<string, unknown>): RemovalParams {
  return { packages: strings(params['packages']), candidates: strings(params['candidates']), uninstallers: strings(params['uninstallers']) };
}
