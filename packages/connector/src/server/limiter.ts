/** A counting semaphore: at most `limit` holders, the rest wait in arrival order (or give up on abort). */
export class Limiter {
  readonly #limit: number;
  #held = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Holders now (at most the limit). */
  get held(): number {
    return this.#held;
  }

  /** Callers queued for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    await this.#acquire(signal);
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  #acquire(signal: AbortSignal): Promise<void> {
    if (this.#held < this.#limit) {
      this.#held += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', abort);
        this.#held += 1;
        resolve();
      };
      const abort = (): void => {
        const i = this.#waiting.indexOf(grant);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', abort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #release(): void {
    this.#held -= 1;
    this.#waiting.shift()?.();
  }
}
