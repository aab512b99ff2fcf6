import { createFakeClock } from '@tflyte/testing';
import { describe, expect, it } from 'vitest';
import { CallDeadlineError, withDeadline } from './deadline.ts';

describe('withDeadline', () => {
  it('fails a call that has not answered when its deadline passes on the clock, and aborts its signal', async () => {
    const clock = createFakeClock();
    let seen: AbortSignal | undefined;
    const hung = withDeadline(clock, 5000, 'jobs.get', (signal) => {
      seen = signal;
      return new Promise<never>(() => undefined);
    });
    const outcome = hung.catch((error: unknown) => error);
    await clock.advance(4999);
    expect(seen?.aborted).toBe(false);
    await clock.advance(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(CallDeadlineError);
    expect(error).toMatchObject({
      code: 'TFLYTE_CALL_DEADLINE',
      call: 'jobs.get',
      ms: 5000,
      message: 'jobs.get got no answer within 5000 ms',
    });
    expect(seen?.aborted).toBe(true);
  });

  it('returns what the call answers in time and leaves no timer behind', async () => {
    const clock = createFakeClock();
    expect(await withDeadline(clock, 5000, 'jobs.get', async () => 'done')).toBe('done');
    expect(clock.pending).toBe(0);
  });

  it("passes the call's own error on", async () => {
    const clock = createFakeClock();
    await expect(withDeadline(clock, 5000, 'jobs.get', async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  });

  it("stops waiting when the caller's signal aborts, with its reason", async () => {
    const clock = createFakeClock();
    const abort = new AbortController();
    const hung = withDeadline(clock, 5000, 'jobs.get', () => new Promise<never>(() => undefined), abort.signal);
    abort.abort(new Error('cancelled'));
    await expect(hung).rejects.toThrow('cancelled');
  });
});
