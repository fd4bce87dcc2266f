/** Wall-time bookkeeping shared by the engine and the CLI: steps timed into a report's `timings`. */

/**
 * Runs `run`, adding its wall time in milliseconds to `timings[name]` (so a
 * step run twice sums), even when it throws.
 */
export async function timed<T>(timings: Record<string, number>, name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    timings[name] = Math.round((timings[name] ?? 0) + performance.now() - started);
  }
}
