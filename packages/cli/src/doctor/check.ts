/** What one check of `hyper2kvm doctor` finds about the host. */

/**
 * `ok`: fine. `warn`: migrations run, but some guests or steps cannot (no
 * virtio-win: no Windows guests) or run slowly (TCG). `fail`: no migration
 * can run here until it is fixed.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable identifier for `--json` (`accelerator`, `appliance`, …). */
  id: string;
  /** What was checked, for people (`KVM`, `appliance`). */
  title: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do about it, when the status is not `ok`. */
  fix?: string;
  /** How long the check took, ms. */
  ms: number;
}

/** A check without its timing; {@link timedCheck} adds it. */
export type CheckFinding = Omit<CheckResult, 'id' | 'title' | 'ms'>;

/** Runs `check`, turning a throw into a `fail` naming the error, and times it. */
export async function timedCheck(id: string, title: string, check: () => Promise<CheckFinding>, fixOnThrow: string): Promise<CheckResult> {
  const started = performance.now();
  let finding: CheckFinding;
  try {
    finding = await check();
  } catch (error) {
    finding = { status: 'fail', detail: error instanceof Error ? error.message.split('\n')[0]! : String(error), fix: fixOnThrow };
  }
  return { id, title, ...finding, ms: Math.round(performance.now() - started) };
}
