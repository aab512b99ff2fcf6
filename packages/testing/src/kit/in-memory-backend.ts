/**
 * Real backends over the kit's job model, recording every lifecycle call: an AsyncBackend
 * (create → get/watch → delete) and a SyncBackend (`do`), so plugin and executor tests exercise
 * full attempt sequences without sleeping.
 */
import type { AsyncBackend, AttemptContext, PollPolicy, StatusCheckPolicy, SyncBackend, TaskStatus } from '@tflyte/core';
import { isTerminalPhase } from '@tflyte/core';
import { createJobModel, type InMemoryJob, type JobAdvance, type ScriptSource } from './job-model.ts';

export type { InMemoryJob, JobScript, PhaseName, ScriptSource, ScriptStep } from './job-model.ts';

export interface InMemoryBackendOptions {
  /**
   * The script every job follows, or a function choosing one per job from its attempt context and
   * the index of the create call (0, 1, …; creates that throw count, idempotent repeats do not).
   */
  readonly script: ScriptSource;
  /** Default `in-memory`. */
  readonly name?: string;
  /** Default 1. */
  readonly handleVersion?: number;
  /** One step per status check (default), or one step every `everyMs` of `clock` time since the job was created. */
  readonly advance?: JobAdvance;
  /** Offer push-based `watch`, so the executor does not poll. Default false. */
  readonly watch?: boolean;
  readonly poll?: PollPolicy;
  readonly statusChecks?: Partial<StatusCheckPolicy>;
}

export type InMemoryHandle = { readonly jobId: string };

export interface BackendCall {
  readonly op: 'create' | 'get' | 'delete' | 'watch' | 'do';
  readonly jobId: string | undefined;
  readonly attempt: number;
  readonly generatedName: string;
  readonly idempotencyToken: string;
  readonly interruptible: boolean;
  /** For create and do: true when the token matched an existing job, so nothing new was submitted. */
  readonly reused?: boolean;
}

interface CallRecord {
  /** Every lifecycle call, in order. */
  readonly calls: readonly BackendCall[];
  /** Jobs actually submitted (idempotent re-creates excluded), in creation order. */
  readonly jobs: readonly InMemoryJob[];
  /** Jobs neither terminal nor deleted. */
  liveJobs(): readonly InMemoryJob[];
}

export interface InMemoryBackend extends AsyncBackend<InMemoryHandle>, CallRecord {
  readonly creates: readonly BackendCall[];
  readonly gets: readonly BackendCall[];
  readonly deletes: readonly BackendCall[];
}

export interface InMemorySyncBackend extends SyncBackend, CallRecord {
  readonly dos: readonly BackendCall[];
}

function recorder() {
  const calls: BackendCall[] = [];
  const record = (op: BackendCall['op'], ctx: AttemptContext, jobId: string | undefined, reused?: boolean): void => {
    calls.push({
      op,
      jobId,
      attempt: ctx.attempt,
      generatedName: ctx.generatedName,
      idempotencyToken: ctx.idempotencyToken,
      interruptible: ctx.interruptible,
      ...(reused !== undefined && { reused }),
    });
  };
  return { calls, record, of: (op: BackendCall['op']) => calls.filter((c) => c.op === op) };
}

/** An AsyncBackend whose jobs follow scripted phases. */
export function createInMemoryBackend(options: InMemoryBackendOptions): InMemoryBackend {
  const model = createJobModel<AttemptContext>(options);
  const { calls, record, of } = recorder();
  const advance = options.advance ?? 'per-check';

  const backend: InMemoryBackend = {
    name: options.name ?? 'in-memory',
    handleVersion: options.handleVersion ?? 1,
    ...(options.poll !== undefined && { poll: options.poll }),
    ...(options.statusChecks !== undefined && { statusChecks: options.statusChecks }),
    async create(ctx) {
      let submitted: { id: string; created: boolean };
      try {
        submitted = model.submit(ctx);
      } catch (error) {
        record('create', ctx, undefined);
        throw error;
      }
      record('create', ctx, submitted.id, !submitted.created);
      return { jobId: submitted.id };
    },
    async get(handle, ctx) {
      record('get', ctx, handle.jobId);
      return model.check(handle.jobId);
    },
    async delete(handle, ctx) {
      record('delete', ctx, handle.jobId);
      model.remove(handle.jobId);
    },
    calls,
    get creates() {
      return of('create');
    },
    get gets() {
      return of('get');
    },
    get deletes() {
      return of('delete');
    },
    get jobs() {
      return model.jobs;
    },
    liveJobs: () => model.liveJobs(),
  };

  if (options.watch === true) {
    (backend as { watch?: InMemoryBackend['watch'] }).watch = (handle, ctx, onStatus, signal, onError) => {
      record('watch', ctx, handle.jobId);
      void (async () => {
        let last: string | undefined;
        while (!signal.aborted) {
          let status: TaskStatus;
          try {
            status = model.check(handle.jobId);
          } catch (error) {
            onError(error);
            return;
          }
          const key = `${status.phase}|${status.message ?? ''}`;
          if (key !== last) onStatus(status);
          last = key;
          if (isTerminalPhase(status.phase)) return;
          if (advance === 'per-check') await new Promise((resolve) => setImmediate(resolve));
          else await advance.clock.sleep(advance.everyMs, signal).catch(() => undefined);
        }
      })();
    };
  }
  return backend;
}

export interface InMemorySyncBackendOptions extends Pick<InMemoryBackendOptions, 'script' | 'name' | 'advance'> {}

/**
 * A SyncBackend over the same job model: `do` submits (idempotently per token, as a sync service
 * called again after a restart should) and returns the first terminal status of the job's script,
 * following a clock-advanced script on `ctx.clock`. An aborted `ctx.signal` stops it with ABORTED.
 */
export function createInMemorySyncBackend(options: InMemorySyncBackendOptions): InMemorySyncBackend {
  const model = createJobModel<AttemptContext>(options);
  const { calls, record, of } = recorder();
  const advance = options.advance ?? 'per-check';
  return {
    name: options.name ?? 'in-memory sync',
    async do(ctx) {
      let submitted: { id: string; created: boolean };
      try {
        submitted = model.submit(ctx);
      } catch (error) {
        record('do', ctx, undefined);
        throw error;
      }
      record('do', ctx, submitted.id, !submitted.created);
      for (;;) {
        if (ctx.signal.aborted) {
          model.remove(submitted.id);
          return model.check(submitted.id);
        }
        const status = model.check(submitted.id);
        if (isTerminalPhase(status.phase)) return status;
        if (advance === 'per-check') await new Promise((resolve) => setImmediate(resolve));
        else await ctx.clock.sleep(advance.everyMs, ctx.signal).catch(() => undefined);
      }
    },
    calls,
    get dos() {
      return of('do');
    },
    get jobs() {
      return model.jobs;
    },
    liveJobs: () => model.liveJobs(),
  };
}
