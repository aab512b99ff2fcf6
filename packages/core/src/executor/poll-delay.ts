import type { PollPolicy } from '../plugin/contract.ts';

/**
 * The delay before the next status call, `elapsedMs` after the job began to be followed, the previous
 * delay having been `previousMs` (undefined before the first).
 */
export function nextPollDelay(policy: PollPolicy, elapsedMs: number, previousMs: number | undefined): number {
  if (policy.elapsedFraction !== undefined) {
    return Math.min(policy.maxMs, Math.max(policy.initialMs, policy.elapsedFraction * elapsedMs));
  }
  return previousMs === undefined ? policy.initialMs : Math.min(previousMs * policy.multiplier, policy.maxMs);
}
