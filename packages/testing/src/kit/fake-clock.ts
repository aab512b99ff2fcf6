import type { Clock } from '@tflyte/core';

export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, firing due sleeps in time order and letting the code they wake run
   * (so a sleep started by a woken continuation and due within the window fires too).
   */
  advance(ms: number): Promise<void>;
  /** Jumps to the earliest pending sleep and fires it (and any due at the same time); false when none is pending. */
  next(): Promise<boolean>;
  /**
   * Keeps jumping to the next pending sleep until none is left or `maxSleeps` have fired; returns
   * how many fired. For code that only waits on this clock (in-memory backends).
   */
  runAll(maxSleeps?: number): Promise<number>;
  /**
   * While on, whenever sleeps are pending and the event loop has drained the work they woke, time
   * jumps to the earliest one. Lets `await executor.run(...)` finish without driving the clock by
   * hand. Assumes the code under test waits on this clock, not on real I/O.
   */
  setAutoAdvance(on: boolean): void;
  /** Sleeps not yet fired or aborted. */
  readonly pending: number;
  /** Every duration passed to `sleep`, in call order (for asserting backoff sequences). */
  readonly sleeps: readonly number[];
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

export interface FakeClockOptions {
  /** Start time in ms since the epoch. Default 0. */
  readonly now?: number;
  /** Start with auto-advance on. Default false. */
  readonly autoAdvance?: boolean;
}

/** Lets continuations woken by a fired timer run, including short chains of real callbacks. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createFakeClock(options: FakeClockOptions = {}): FakeClock {
  let now = options.now ?? 0;
  let seq = 0;
  let auto = options.autoAdvance ?? false;
  let checkScheduled = false;
  const timers: Timer[] = [];
  const sleeps: number[] = [];

  const earliest = (): Timer | undefined =>
    timers.reduce<Timer | undefined>(
      (best, t) => (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq) ? t : best),
      undefined,
    );

  const fire = (timer: Timer): void => {
    timers.splice(timers.indexOf(timer), 1);
    now = Math.max(now, timer.at);
    timer.resolve();
  };

  const fireEarliestGroup = (): boolean => {
    const first = earliest();
    if (first === undefined) return false;
    for (const timer of timers.filter((t) => t.at === first.at).sort((a, b) => a.seq - b.seq)) fire(timer);
    return true;
  };

  const scheduleCheck = (): void => {
    if (!auto || checkScheduled) return;
    checkScheduled = true;
    // Two turns of the loop: the first lets already-queued callbacks run, the second confirms idleness.
    setImmediate(() =>
      setImmediate(() => {
        checkScheduled = false;
        if (auto && fireEarliestGroup()) scheduleCheck();
      }),
    );
  };

  const clock: FakeClock = {
    now: () => now,
    sleep(ms, signal) {
      sleeps.push(ms);
      if (signal?.aborted === true) return Promise.reject(signal.reason);
      if (ms <= 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer: Timer = {
          at: now + ms,
          seq: seq++,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = (): void => {
          const index = timers.indexOf(timer);
          if (index >= 0) timers.splice(index, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        timers.push(timer);
        scheduleCheck();
      });
    },
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        const first = earliest();
        if (first === undefined || first.at > target) break;
        fire(first);
        await settle();
      }
      now = target;
      await settle();
    },
    async next() {
      const fired = fireEarliestGroup();
      await settle();
      return fired;
    },
    async runAll(maxSleeps = 10_000) {
      let fired = 0;
      while (fired < maxSleeps && fireEarliestGroup()) {
        fired += 1;
        await settle();
        await settle();
      }
      return fired;
    },
    setAutoAdvance(on) {
      auto = on;
      scheduleCheck();
    },
    get pending() {
      return timers.length;
    },
    get sleeps() {
      return sleeps;
    },
  };
  return clock;
}
