import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, systemClock } from './clock.ts';

describe('systemClock.sleep', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  const settled = (promise: Promise<void>) => {
    const state = { done: false };
    promise.then(
      () => (state.done = true),
      () => (state.done = true),
    );
    return state;
  };

  it('sleeps past the longest Node timer: a 30-day sleep is still pending after 29 days', async () => {
    const thirtyDays = 30 * 86_400_000;
    expect(thirtyDays).toBeGreaterThan(MAX_TIMER_MS);
    const sleep = settled(systemClock.sleep(thirtyDays));
    await vi.advanceTimersByTimeAsync(1);
    expect(sleep.done).toBe(false);
    await vi.advanceTimersByTimeAsync(29 * 86_400_000);
    expect(sleep.done).toBe(false);
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(sleep.done).toBe(true);
  });

  it('rejects with the signal reason when aborted, also during a later step of a long sleep', async () => {
    const controller = new AbortController();
    const sleep = systemClock.sleep(3 * MAX_TIMER_MS, controller.signal);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 10);
    controller.abort(new Error('stopped'));
    await expect(sleep).rejects.toThrow('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once for an aborted signal and resolves a zero or negative sleep', async () => {
    await expect(systemClock.sleep(10, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
    const sleep = systemClock.sleep(-5);
    await vi.advanceTimersByTimeAsync(0);
    await expect(sleep).resolves.toBeUndefined();
  });
});
