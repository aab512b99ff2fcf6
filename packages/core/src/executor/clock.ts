import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time as the executor sees it. Injected so tests drive polling, backoff, timeouts and lock
 * heartbeats with a fake clock instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` when the signal aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    try {
      await delay(ms, undefined, { signal });
    } catch (error) {
      // timers/promises rejects with its own AbortError; callers expect the signal's reason.
      if (signal?.aborted === true) throw signal.reason;
      throw error;
    }
  },
};
