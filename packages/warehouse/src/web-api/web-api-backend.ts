/**
 * `webApiBackend`: an AsyncBackend for a job behind a web API, in the shape of Flyte's web-API plugin
 * machinery. The plugin states four things — submit (idempotent), fetch (the I/O of a status check),
 * status (a pure mapping of what fetch returned to a TaskStatus) and cancel — and optionally outputs;
 * the helper adds what every such plugin needs and none should write again:
 *  - a resource quota: a job takes a token (its generated name) before it is submitted; while the
 *    quota is exhausted the attempt reports WAITING_FOR_RESOURCES and submits once a token frees up;
 *  - read and write rate limits (token buckets) on status/outputs calls and on submit/cancel;
 *  - one error classifier for every call, and permanent output problems as a failed attempt.
 * Quota and buckets belong to the backend value, so every run of the executor holding it shares them.
 * A fetch that fails just throws: the executor retries status checks under its policy without ever
 * deleting or resubmitting the job.
 *
 * Status calls follow the warehouse schedule (poll-schedule.ts: 1 s apart at first, then 10 % of the
 * job's elapsed time) unless the spec's `poll` has no `elapsedFraction`; then the executor polls with it.
 * The executor's own loop only multiplies its delay, so this backend follows the job itself (`watch`).
 */
import {
  type AsyncBackend,
  type AttemptContext,
  BackendError,
  failed,
  isTerminalPhase,
  type JsonValue,
  Phase,
  type StatusCheckPolicy,
  type TaskStatus,
  waitingForResources,
} from '@tflyte/core';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { WebApiConfigError } from './errors.ts';
import { nextPollDelay, WAREHOUSE_POLL, type WarehousePollPolicy } from './poll-schedule.ts';
import { type RateLimit, TokenBucket } from './rate-limiter.ts';
import { ResourceQuota } from './resource-quota.ts';

/** Flyte's settings for its warehouse plugins (Athena, BigQuery, Snowflake): quota 1000, 10 qps / burst 100. */
export const WAREHOUSE_DEFAULTS = {
  quota: 1000,
  read: { qps: 10, burst: 100 },
  write: { qps: 10, burst: 100 },
} as const satisfies { quota: number; read: RateLimit; write: RateLimit };

/** The calls a web-API backend makes; `classify` is told which one failed. */
export type WebApiCall = 'submit' | 'fetch' | 'outputs' | 'cancel';

/** What status and outputs see: the attempt, and the job's handle. */
export interface JobContext<Handle> extends AttemptContext {
  readonly handle: Handle;
}

export interface WebApiSpec<Handle extends JsonValue, Resource> {
  /** The backend's name, e.g. `athena`. */
  readonly name: string;
  /** Bump when Handle's shape changes. */
  readonly handleVersion: number;
  /**
   * Start the job and return its handle. Must be idempotent for `ctx.idempotencyToken`: it runs
   * again after a crash, and the service must answer with the job it already started.
   */
  submit(ctx: AttemptContext): Promise<Handle>;
  /** Read the job as the service reports it. I/O only: throw on a transport error. */
  fetch(handle: Handle, ctx: AttemptContext): Promise<Resource>;
  /** Map what fetch read to a status. Pure: no I/O, so it is cheap and testable by a table. */
  status(resource: Resource, ctx: JobContext<Handle>): TaskStatus;
  /**
   * The outputs of a SUCCEEDED job (when `status` gave none). A non-retryable BackendError fails the
   * attempt with its failure (too many rows); anything else is a failed status check, retried.
   */
  outputs?(resource: Resource, ctx: JobContext<Handle>): Promise<LiteralMap | undefined>;
  /** Stop the job. Idempotent: a job that is gone or finished counts as stopped. */
  cancel(handle: Handle, ctx: AttemptContext): Promise<void>;
  /**
   * Release what a finished attempt still holds on the service (a session, an operation handle).
   * Called once the attempt is over, after the quota token is released; best effort, so it should
   * not throw for a job that is already gone. Its errors pass as thrown.
   */
  finalize?(handle: Handle, ctx: AttemptContext): Promise<void>;
  /**
   * Maps an error thrown by any call to a BackendError (throttling and 5xx SYSTEM and retryable, a
   * refused request the USER's and permanent). Without it errors pass as thrown.
   */
  classify?(error: unknown, call: WebApiCall): unknown;
  /** Jobs of this backend running at once; `false` for no quota. Default 1000. */
  readonly quota?: number | false;
  /** Token buckets: `read` for fetch and outputs, `write` for submit and cancel; `false` for none. Default 10 qps / burst 100 each. */
  readonly rateLimits?: { readonly read?: RateLimit | false; readonly write?: RateLimit | false };
  /**
   * Retryable submit failures are retried within the attempt, with the same idempotency token, so a
   * flaky submit never turns into a second job on a new attempt. Default 5 failures, 1 s doubling to 30 s.
   */
  readonly submitRetries?: Partial<StatusCheckPolicy>;
  /** When to check the job's status. Default WAREHOUSE_POLL (1 s for 10 s, then 10 % of the elapsed time, at most 5 min). */
  readonly poll?: WarehousePollPolicy;
  readonly statusChecks?: Partial<StatusCheckPolicy>;
}

/** Retries of a failed submit within one attempt. */
export const DEFAULT_SUBMIT_RETRIES: StatusCheckPolicy = { maxFailures: 5, initialMs: 1000, maxMs: 30_000 };

/** The handle the executor persists: the job's, or a marker that the attempt waits for a quota token. */
export type WebApiHandle<Handle extends JsonValue> = { readonly job: Handle } | { readonly waitingForQuota: true };

export interface WebApiBackend<Handle extends JsonValue> extends AsyncBackend<WebApiHandle<Handle>> {
  /** The backend's quota, shared by all its attempts (undefined with `quota: false`). */
  readonly quota: ResourceQuota | undefined;
}

export function webApiBackend<Handle extends JsonValue, Resource>(spec: WebApiSpec<Handle, Resource>): WebApiBackend<Handle> {
  const quota = spec.quota === false ? undefined : new ResourceQuota(spec.quota ?? WAREHOUSE_DEFAULTS.quota);
  const bucket = (limit: RateLimit | false | undefined, fallback: RateLimit, what: string): TokenBucket | undefined =>
    limit === false ? undefined : new TokenBucket(limit ?? fallback, what);
  const read = bucket(spec.rateLimits?.read, WAREHOUSE_DEFAULTS.read, 'rateLimits.read');
  const write = bucket(spec.rateLimits?.write, WAREHOUSE_DEFAULTS.write, 'rateLimits.write');
  // Jobs submitted from `get` after waiting for a token: the persisted handle still says waiting, so
  // later checks find the job here (and, after a restart, submit answers with it again).
  const submittedLate = new Map<string, Handle>();
  const poll = pollPolicy(spec.poll ?? WAREHOUSE_POLL);

  const call = async <T>(name: WebApiCall, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw spec.classify === undefined ? error : spec.classify(error, name);
    }
  };
  const retries = { ...DEFAULT_SUBMIT_RETRIES, ...spec.submitRetries };
  const submit = async (ctx: AttemptContext): Promise<Handle> => {
    for (let failures = 0; ; ) {
      await write?.take(ctx.clock, ctx.signal);
      try {
        return await call('submit', () => spec.submit(ctx));
      } catch (error) {
        // Safe to send again only because submit is idempotent by the attempt's token.
        const retryable = error instanceof BackendError ? error.failure.retryable : true;
        failures += 1;
        if (!retryable || failures > retries.maxFailures || ctx.signal.aborted) throw error;
        await ctx.clock.sleep(Math.min(retries.initialMs * 2 ** (failures - 1), retries.maxMs), ctx.signal);
      }
    }
  };
  const release = (ctx: AttemptContext): void => {
    quota?.release(ctx.generatedName);
    submittedLate.delete(ctx.idempotencyToken);
  };
  const waiting = (): TaskStatus =>
    waitingForResources({
      message: `Quota for task has exceeded: ${quota?.used ?? 0} of ${quota?.limit ?? 0} ${spec.name} jobs are running; waiting for one to finish`,
    });

  const get = async (handle: WebApiHandle<Handle>, ctx: AttemptContext): Promise<TaskStatus> => {
    let job: Handle;
    if ('job' in handle) {
      job = handle.job;
      // After a restart a re-attached job holds no token in this process, yet it uses a slot.
      quota?.hold(ctx.generatedName);
    } else {
      const late = submittedLate.get(ctx.idempotencyToken);
      if (late !== undefined) job = late;
      else {
        if (quota !== undefined && !quota.acquire(ctx.generatedName)) return waiting();
        job = await submit(ctx);
        submittedLate.set(ctx.idempotencyToken, job);
      }
    }
    await read?.take(ctx.clock, ctx.signal);
    const resource = await call('fetch', () => spec.fetch(job, ctx));
    // Not a spread: reading the attempt's lazy `inputsUri` would write an inputs.pb no warehouse reads.
    const jobCtx: JobContext<Handle> = Object.assign(Object.create(ctx) as AttemptContext, { handle: job });
    const status = spec.status(resource, jobCtx);
    if (status.phase === Phase.SUCCEEDED && status.outputs === undefined && spec.outputs !== undefined) {
      const outputs = spec.outputs.bind(spec);
      await read?.take(ctx.clock, ctx.signal);
      let literals: LiteralMap | undefined;
      try {
        literals = await call('outputs', () => outputs(resource, jobCtx));
      } catch (error) {
        if (error instanceof BackendError && !error.failure.retryable) {
          release(ctx);
          return failed(error.failure, status.logs === undefined ? {} : { logs: status.logs });
        }
        throw error;
      }
      release(ctx);
      return literals === undefined ? status : { ...status, outputs: literals };
    }
    if (isTerminalPhase(status.phase)) release(ctx);
    return status;
  };
  /** When this process first followed each attempt's job: the schedule's elapsed time counts from there. */
  const followedSince = new Map<string, number>();

  /** Checks the job on the warehouse schedule until it ends; a failed check goes to the executor's retries. */
  const watch: AsyncBackend<WebApiHandle<Handle>>['watch'] = (handle, ctx, onStatus, signal, onError) => {
    const token = ctx.idempotencyToken;
    const since = followedSince.get(token) ?? ctx.clock.now();
    followedSince.set(token, since);
    void (async () => {
      let delay: number | undefined;
      for (;;) {
        let status: TaskStatus;
        try {
          status = await get(handle, ctx);
        } catch (error) {
          if (!signal.aborted) onError(error);
          return;
        }
        if (signal.aborted) return;
        if (isTerminalPhase(status.phase)) followedSince.delete(token);
        onStatus(status);
        if (isTerminalPhase(status.phase)) return;
        delay = nextPollDelay(poll, ctx.clock.now() - since, delay);
        try {
          await ctx.clock.sleep(delay, signal);
        } catch {
          return;
        }
      }
    })();
  };

  return {
    name: spec.name,
    handleVersion: spec.handleVersion,
    quota,
    ...(poll.elapsedFraction === undefined ? { poll } : { watch }),
    ...(spec.statusChecks === undefined ? {} : { statusChecks: spec.statusChecks }),

    async create(ctx) {
      if (quota !== undefined && !quota.acquire(ctx.generatedName)) return { waitingForQuota: true };
      return { job: await submit(ctx) };
    },

    get,

    async delete(handle, ctx) {
      const job = 'job' in handle ? handle.job : submittedLate.get(ctx.idempotencyToken);
      try {
        // Not under ctx.signal: a cancelled attempt's signal has aborted, and its job must still stop.
        if (job !== undefined) {
          await write?.take(ctx.clock);
          await call('cancel', () => spec.cancel(job, ctx));
        }
      } finally {
        release(ctx);
      }
    },

    async finalize(handle, ctx) {
      const job = 'job' in handle ? handle.job : submittedLate.get(ctx.idempotencyToken);
      followedSince.delete(ctx.idempotencyToken);
      release(ctx);
      if (job !== undefined && spec.finalize !== undefined) await spec.finalize(job, ctx);
    },
  };
}

function pollPolicy(policy: WarehousePollPolicy): WarehousePollPolicy {
  const { initialMs, multiplier, maxMs, elapsedFraction } = policy;
  if (!(initialMs > 0 && Number.isFinite(initialMs)))
    throw new WebApiConfigError('poll.initialMs', `must be a positive number of milliseconds, got ${initialMs}`);
  if (!(maxMs >= initialMs && Number.isFinite(maxMs)))
    throw new WebApiConfigError('poll.maxMs', `must be a number of milliseconds >= poll.initialMs, got ${maxMs}`);
  if (!(multiplier >= 1 && Number.isFinite(multiplier)))
    throw new WebApiConfigError('poll.multiplier', `must be a number >= 1, got ${multiplier}`);
  if (elapsedFraction !== undefined && !(elapsedFraction > 0 && elapsedFraction <= 1))
    throw new WebApiConfigError(
      'poll.elapsedFraction',
      `must be a number in (0, 1] (0.1: wait 10 % of the elapsed time), got ${elapsedFraction}`,
    );
  return policy;
}
