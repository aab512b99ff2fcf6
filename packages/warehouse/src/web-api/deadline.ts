/**
 * A deadline on one call to a service, on the attempt's clock (so a fake clock drives it in tests).
 * Some clients cannot be trusted to time out on their own (@google-cloud/bigquery ignores its
 * `timeout`), and a hung request must not hang the attempt: every client call goes through this.
 */
import { type Clock, TflyteError } from '@tflyte/core';

/** A call got no answer within its deadline. Transient: classify it as a retryable SYSTEM error. */
export class CallDeadlineError extends TflyteError {
  readonly call: string;
  readonly ms: number;
  constructor(call: string, ms: number) {
    super('TFLYTE_CALL_DEADLINE', `${call} got no answer within ${ms} ms`);
    this.call = call;
    this.ms = ms;
  }
}

/**
 * Runs `work`, rejecting with CallDeadlineError when it has not settled after `ms` on `clock`, or
 * with `signal`'s reason when the signal aborts first. `work` gets a signal that aborts at the
 * deadline, for clients that can stop a request. `call` names it in the error (`BigQuery jobs.get`).
 */
export async function withDeadline<T>(
  clock: Clock,
  ms: number,
  call: string,
  work: (signal: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  signal?.throwIfAborted();
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timeout = new AbortController();
  const deadline = clock.sleep(ms, stop.signal).then(
    () => {
      const error = new CallDeadlineError(call, ms);
      timeout.abort(error);
      throw error;
    },
    () => {
      // Stopped because the call settled (never observed), or because the caller's signal aborted.
      if (signal?.aborted === true) throw signal.reason;
      return new Promise<never>(() => undefined);
    },
  );
  try {
    return await Promise.race([work(timeout.signal), deadline]);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}
