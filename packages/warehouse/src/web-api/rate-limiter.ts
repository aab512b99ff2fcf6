/**
 * A token bucket (Flyte's web-API read and write rate limiters): `burst` calls at once, refilled at
 * `qps` per second. One bucket belongs to one backend instance and so is shared by every run of the
 * executor that holds it. Time comes from the attempt's clock, so a fake clock drives it in tests.
 */
import type { Clock } from '@tflyte/core';
import { WebApiConfigError } from './errors.ts';

export interface RateLimit {
  /** Calls per second, sustained. */
  readonly qps: number;
  /** Calls allowed at once before the rate applies. */
  readonly burst: number;
}

export class TokenBucket {
  readonly #limit: RateLimit;
  #tokens: number;
  #updatedAt: number | undefined;

  constructor(limit: RateLimit, what: string) {
    if (!(typeof limit.qps === 'number' && Number.isFinite(limit.qps) && limit.qps > 0))
      throw new WebApiConfigError(`${what}.qps`, `must be a positive number, got ${String(limit.qps)}`);
    if (!(Number.isInteger(limit.burst) && limit.burst >= 1))
      throw new WebApiConfigError(`${what}.burst`, `must be an integer >= 1, got ${String(limit.burst)}`);
    this.#limit = limit;
    this.#tokens = limit.burst;
  }

  /** Takes one token, waiting on `clock` until one is free; rejects with `signal.reason` on abort. */
  async take(clock: Clock, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now();
      this.#refill(now);
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await clock.sleep(Math.ceil(((1 - this.#tokens) * 1000) / this.#limit.qps), signal);
    }
  }

  #refill(now: number): void {
    if (this.#updatedAt !== undefined && now > this.#updatedAt) {
      this.#tokens = Math.min(this.#limit.burst, this.#tokens + ((now - this.#updatedAt) * this.#limit.qps) / 1000);
    }
    this.#updatedAt = Math.max(now, this.#updatedAt ?? now);
  }
}
