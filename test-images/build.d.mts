// Types for build.mjs, so TypeScript tests import the builder directly.

/** A built image in the cache. Treat everything under `dir` as read-only. */
export interface TestImage {
  dir: string;
  /** File keys of the image's manifest (`vmdk`, `ova`, `vmx`, `vmdk2`, or a form's name) → absolute paths. */
  files: Record<string, string>;
  recipe: Record<string, unknown> & { expect?: Record<string, unknown> };
  hash: string;
  cached: boolean;
  buildSeconds: number;
}

export const DEFAULT_CACHE_DIR: string;

/** Builds the image unless the cache has it (keyed by recipe hash). */
export function ensureImage(name: string, options?: { cacheDir?: string; force?: boolean; log?: (line: string) => void }): Promise<TestImage>;

export function listImages(): Promise<string[]>;

/** The disks of a built image in bus order (`vmdk`, `vmdk2`, … or `vhdx`); quiet unless it builds. */
export function imageDisks(name: string): Promise<string[]>;
