/**
 * A resource quota (Flyte's ResourceQuotas with its allocation tokens): at most `limit` jobs of one
 * backend at a time. The token is the attempt's generated name, so asking again for the same attempt
 * is granted without taking a second slot.
 */
import { WebApiConfigError } from './errors.ts';

export class ResourceQuota {
  readonly limit: number;
  readonly #held = new Set<string>();

  constructor(limit: number) {
    if (!(Number.isInteger(limit) && limit >= 1))
      throw new WebApiConfigError('quota', `must be an integer >= 1 (or false for none), got ${String(limit)}`);
    this.limit = limit;
  }

  /** Tokens held now. */
  get used(): number {
    return this.#held.size;
  }

  /** Takes a slot for `token`; false when the quota is exhausted. */
  acquire(token: string): boolean {
    if (this.#held.has(token)) return true;
    if (this.#held.size >= this.limit) return false;
    this.#held.add(token);
    return true;
  }

  /** Holds `token` even past the limit: a job found running after a restart does use a slot. */
  hold(token: string): void {
    this.#held.add(token);
  }

  release(token: string): void {
    this.#held.delete(token);
  }
}
