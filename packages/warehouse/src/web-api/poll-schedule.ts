/**
 * When to ask a warehouse about a job again. A fixed interval is either late on long queries' early
 * seconds or wasteful over an hour; a delay that grows with each call (1 s, ×1.5, capped) is both
 * late on short queries (a 51 s query seen ~10 s late) and still ~360 calls an hour once capped.
 *
 * The warehouse schedule waits in proportion to how long the job has run: the next call comes after
 * `elapsedFraction` of the time since submit, never sooner than `initialMs` nor later than `maxMs`.
 * A job that ends at time t is then seen by max(initialMs, elapsedFraction × t) late (≤ 1 s in its
 * first 10 s, ≤ 10 % of its run time after that, ≤ maxMs ever). An hour costs 10 calls in the first
 * 10 s, ln(3000 s / 10 s) / ln 1.1 ≈ 60 until the gap reaches its 5 min cap, and 2 more: 73 in all
 * (Flyte's fixed 30 s: 121).
 */
import type { PollPolicy } from '@tflyte/core';

export interface WarehousePollPolicy extends PollPolicy {
  /**
   * Wait this fraction of the job's elapsed time between status calls (within initialMs…maxMs).
   * Without it the delay grows by `multiplier` per call, as the executor's own polling does.
   */
  readonly elapsedFraction?: number;
}

/** Status calls 1 s apart for the first 10 s, then 10 % of the elapsed time apart, at most 5 min. */
export const WAREHOUSE_POLL: WarehousePollPolicy = { initialMs: 1000, multiplier: 1.1, maxMs: 300_000, elapsedFraction: 0.1 };

/**
 * The delay before the next status call, `elapsedMs` after submit, the previous delay having been
 * `previousMs` (undefined before the first).
 */
export function nextPollDelay(policy: WarehousePollPolicy, elapsedMs: number, previousMs: number | undefined): number {
  if (policy.elapsedFraction !== undefined) {
    return Math.min(policy.maxMs, Math.max(policy.initialMs, policy.elapsedFraction * elapsedMs));
  }
  return previousMs === undefined ? policy.initialMs : Math.min(previousMs * policy.multiplier, policy.maxMs);
}
