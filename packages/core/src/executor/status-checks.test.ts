import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { TaskTemplateSchema } from '@tflyte/idl/core/tasks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendError, TaskFailedError } from '../errors.ts';
import type { AsyncBackend, TaskStatus } from '../plugin/contract.ts';
import { failure, running, succeeded } from '../plugin/status.ts';
import { createFileStore, createStorage, type ObjectStore } from '../storage/index.ts';
import { openStateStore, type StateStore } from '../store/index.ts';
import type { Clock } from './clock.ts';
import type { ExecutorEvent } from './events.ts';
import { createExecutor } from './executor.ts';

/** A remote job service as the executor sees it: jobs by token, a script of status reads, a count of every call. */
function jobService(script: { readonly runningReads: number; readonly failingReads: ReadonlySet<number> }) {
  const calls = { create: 0, get: 0, delete: 0, watch: 0 };
  const jobs = new Map<string, { reads: number }>();
  let reads = 0;
  const status = (job: { reads: number }): TaskStatus =>
    job.reads > script.runningReads ? succeeded() : running({ message: `read ${job.reads}` });
  const backend: AsyncBackend<{ readonly token: string }> = {
    name: 'job-service',
    handleVersion: 1,
    poll: { initialMs: 10, multiplier: 1, maxMs: 10 },
    async create(ctx) {
      calls.create += 1;
      if (!jobs.has(ctx.idempotencyToken)) jobs.set(ctx.idempotencyToken, { reads: 0 });
      return { token: ctx.idempotencyToken };
    },
    async get(handle) {
      calls.get += 1;
      reads += 1;
      if (script.failingReads.has(reads)) throw Object.assign(new Error(`read ${reads}: socket hang up`), { code: 'ECONNRESET' });
      const job = jobs.get(handle.token)!;
      job.reads += 1;
      return status(job);
    },
    async delete(handle) {
      calls.delete += 1;
      jobs.delete(handle.token);
    },
  };
  return { backend, calls, jobs };
}

/** Time jumps to the end of every sleep; the sleeps are kept so backoff can be read off. */
function jumpingClock(): Clock & { readonly sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms, signal) => {
      if (signal?.aborted === true) throw signal.reason;
      sleeps.push(ms);
      now += ms;
    },
  };
}

const template = (retries = 0) =>
  create(TaskTemplateSchema, { id: { name: 'spec.job' }, type: 'job-service', metadata: { retries: { retries } } });

describe('failed status checks', () => {
  let dir: string;
  let store: StateStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tflyte-status-checks-'));
    store = openStateStore(dir);
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (backend: AsyncBackend<{ readonly token: string }>, clock = jumpingClock()) => {
    const events: ExecutorEvent[] = [];
    const executor = createExecutor({ store, stateDir: dir, clock, backends: { 'job-service': backend } });
    const outcome = await executor.run(template(), create(LiteralMapSchema), { onEvent: (e) => events.push(e) }).then(
      (outputs) => ({ ok: true as const, outputs }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    return { outcome, events, clock };
  };

  it('are retried with doubling backoff and never delete or resubmit the job', async () => {
    const service = jobService({ runningReads: 3, failingReads: new Set([2, 3, 4, 5]) });
    const { outcome, events, clock } = await run(service.backend);
    expect(outcome.ok).toBe(true);
    expect(service.calls).toMatchObject({ create: 1, delete: 0 });
    expect(events.filter((e) => e.type === 'status-check-failed').map((e) => (e as { failures: number }).failures)).toEqual([1, 2, 3, 4]);
    // Backoff from 1 s doubling, between the poll cadence's 10 ms sleeps.
    expect(clock.sleeps.filter((ms) => ms >= 1000)).toEqual([1000, 2000, 4000, 8000]);
  });

  it('fail the attempt as a retryable SYSTEM failure only past the bound (5, as Flyte), then delete the job', async () => {
    const service = jobService({ runningReads: 100, failingReads: new Set([1, 2, 3, 4, 5, 6]) });
    const executor = createExecutor({
      store,
      stateDir: dir,
      clock: jumpingClock(),
      backends: { 'job-service': service.backend },
      systemRetries: 0,
    });
    const error = await executor.run(template(), create(LiteralMapSchema)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ failure: { kind: 'system', retryable: true, code: 'StatusCheckFailed' }, attempts: 1 });
    expect((error as TaskFailedError).failure.message).toMatch(
      /6 status checks of backend job-service failed in a row; the last: read 6: socket hang up/,
    );
    expect(service.calls).toMatchObject({ create: 1, get: 6, delete: 1 });
  });

  it('follow the backend’s own bound', async () => {
    const service = jobService({ runningReads: 0, failingReads: new Set([1]) });
    const backend = { ...service.backend, statusChecks: { maxFailures: 0 } };
    const executor = createExecutor({
      store,
      stateDir: dir,
      clock: jumpingClock(),
      backends: { 'job-service': backend },
      systemRetries: 1,
    });
    await executor.run(template(), create(LiteralMapSchema));
    // One failed read fails attempt 0; attempt 1 is a new job.
    expect(service.calls).toMatchObject({ create: 2, delete: 1 });
  });

  it('end at once when the backend says retrying cannot help (a permanent BackendError)', async () => {
    const service = jobService({ runningReads: 5, failingReads: new Set() });
    const backend: AsyncBackend<{ readonly token: string }> = {
      ...service.backend,
      get: async () => {
        throw new BackendError({ kind: 'user', retryable: false, code: 'AccessDenied', message: 'the role cannot read the job' });
      },
    };
    const executor = createExecutor({ store, stateDir: dir, clock: jumpingClock(), backends: { 'job-service': backend } });
    await expect(executor.run(template(), create(LiteralMapSchema))).rejects.toMatchObject({
      failure: { code: 'AccessDenied' },
      attempts: 1,
    });
  });

  it('through a watch: a broken watch is re-read with get under the same bound, then watched again', async () => {
    const service = jobService({ runningReads: 1, failingReads: new Set([1]) });
    let watches = 0;
    const backend: AsyncBackend<{ readonly token: string }> = {
      ...service.backend,
      watch(_handle, _ctx, onStatus, _signal, onError) {
        watches += 1;
        if (watches === 1) onError(new Error('watch stream reset'));
        else onStatus(succeeded());
      },
    };
    const { outcome, events } = await run(backend);
    expect(outcome.ok).toBe(true);
    expect(watches).toBe(2);
    expect(service.calls).toMatchObject({ create: 1, delete: 0 });
    expect(events.filter((e) => e.type === 'status-check-failed')).toHaveLength(2);
  });
});

describe('reading outputs', () => {
  it('retries a failing read of outputs.pb as a status check is retried, without running the job again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tflyte-outputs-read-'));
    const store = openStateStore(dir);
    try {
      const files = createFileStore();
      let failingReads = 2;
      const flaky: ObjectStore = {
        schemes: ['file'],
        get: async (uri) => {
          if (uri.endsWith('/outputs.pb') && failingReads-- > 0) throw new Error('EIO: i/o error, read');
          return files.get(uri);
        },
        put: (uri, bytes) => files.put(uri, bytes),
      };
      const service = jobService({ runningReads: 0, failingReads: new Set() });
      const backend: AsyncBackend<{ readonly token: string }> = {
        ...service.backend,
        async get(handle, ctx) {
          // The job writes its outputs beside the attempt, as a container running our entrypoint does.
          await files.put(`${ctx.outputPrefix}/outputs.pb`, toBinary(LiteralMapSchema, create(LiteralMapSchema)));
          return service.backend.get(handle, ctx);
        },
      };
      const executor = createExecutor({
        store,
        stateDir: dir,
        clock: jumpingClock(),
        storage: createStorage([flaky]),
        backends: { 'job-service': backend },
      });
      await executor.run(template(), create(LiteralMapSchema));
      expect(failingReads).toBeLessThan(0);
      expect(service.calls).toMatchObject({ create: 1, delete: 0 });
    } finally {
      store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('retryAfterMs', () => {
  it('makes the executor wait that long before the next attempt', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tflyte-retry-after-'));
    const store = openStateStore(dir);
    try {
      const clock = jumpingClock();
      let attempts = 0;
      const backend: AsyncBackend<number> = {
        name: 'throttled',
        handleVersion: 1,
        create: async (ctx) => ctx.attempt,
        get: async () => (++attempts === 1 ? failure('system', true, 'rateLimitExceeded', 'slow down', 42_000) : succeeded()),
        delete: async () => {},
      };
      const executor = createExecutor({ store, stateDir: dir, clock, backends: { 'job-service': backend } });
      const events: ExecutorEvent[] = [];
      await executor.run(template(), create(LiteralMapSchema), { onEvent: (e) => events.push(e) });
      expect(clock.sleeps).toContain(42_000);
      expect(events.find((e) => e.type === 'retry-scheduled')).toMatchObject({ afterMs: 42_000 });
    } finally {
      store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
