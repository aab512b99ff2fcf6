import type { AttemptContext, Backend, Clock, FailureInfo, LogLink, TaskStatus } from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import type { LiteralMap } from '@tflyte/idl/core/literals';

export type PhaseName = keyof typeof TaskExecution_Phase & string;

/** One status a scripted job reports. */
export interface ScriptStep {
  /** A phase name, or a number (to script phases the executor does not know, e.g. 42). */
  readonly phase?: PhaseName | number;
  readonly message?: string;
  readonly logs?: readonly LogLink[];
  /** Inline outputs reported with SUCCEEDED. */
  readonly outputs?: LiteralMap;
  readonly failure?: FailureInfo;
  /** `get` throws this instead of reporting a status (polling only). */
  readonly throws?: unknown;
}

export interface JobScript {
  readonly steps: readonly ScriptStep[];
  /** `create` throws this instead of submitting. */
  readonly createThrows?: unknown;
  /** `delete` throws this. */
  readonly deleteThrows?: unknown;
}

export type ScriptSource = readonly ScriptStep[] | JobScript | ((ctx: AttemptContext, jobIndex: number) => readonly ScriptStep[] | JobScript);

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
  /**
   * How a job moves through its steps: one step per status check (default), or one step every
   * `everyMs` of `clock` time since the job was created. The last step repeats.
   */
  readonly advance?: 'per-check' | { readonly clock: Clock; readonly everyMs: number };
  /** Offer push-based `watch`, so the executor does not poll. Default false. */
  readonly watch?: boolean;
  readonly poll?: Backend['poll'];
}

export type InMemoryHandle = { readonly jobId: string };

export interface BackendCall {
  readonly op: 'create' | 'get' | 'delete' | 'watch';
  readonly jobId: string | undefined;
  readonly attempt: number;
  readonly generatedName: string;
  readonly idempotencyToken: string;
  readonly interruptible: boolean;
  /** For create: true when the token matched an existing job, so nothing new was submitted. */
  readonly reused?: boolean;
}

export interface InMemoryJob {
  readonly id: string;
  readonly attempt: number;
  readonly generatedName: string;
  readonly idempotencyToken: string;
  readonly interruptible: boolean;
  readonly deleted: boolean;
  /** The status the job reports now (without advancing it). */
  readonly status: TaskStatus;
  /** True until it reports a terminal phase or is deleted. */
  readonly live: boolean;
}

export interface InMemoryBackend extends Backend<InMemoryHandle> {
  /** Every lifecycle call, in order. */
  readonly calls: readonly BackendCall[];
  readonly creates: readonly BackendCall[];
  readonly gets: readonly BackendCall[];
  readonly deletes: readonly BackendCall[];
  /** Jobs actually submitted (idempotent re-creates excluded), in creation order. */
  readonly jobs: readonly InMemoryJob[];
  /** Jobs neither terminal nor deleted. */
  liveJobs(): readonly InMemoryJob[];
}

const TERMINAL = new Set<number>([
  TaskExecution_Phase.SUCCEEDED,
  TaskExecution_Phase.FAILED,
  TaskExecution_Phase.RETRYABLE_FAILED,
  TaskExecution_Phase.ABORTED,
]);

interface JobState {
  readonly id: string;
  readonly ctx: AttemptContext;
  readonly script: JobScript;
  readonly createdAt: number;
  checks: number;
  deleted: boolean;
  everTerminal: boolean;
}

function toStatus(step: ScriptStep | undefined): TaskStatus {
  const phase = step?.phase ?? 'RUNNING';
  return {
    phase: (typeof phase === 'number' ? phase : TaskExecution_Phase[phase]) as TaskExecution_Phase,
    ...(step?.message !== undefined && { message: step.message }),
    ...(step?.logs !== undefined && { logs: step.logs }),
    ...(step?.outputs !== undefined && { outputs: step.outputs }),
    ...(step?.failure !== undefined && { failure: step.failure }),
  };
}

/**
 * A real Backend whose jobs follow scripted phases, advanced per status check or per tick of a
 * clock, recording every create / get / delete. Lets plugin and executor tests exercise full
 * create → poll/watch → delete sequences without sleeping.
 */
export function createInMemoryBackend(options: InMemoryBackendOptions): InMemoryBackend {
  const jobs: JobState[] = [];
  const calls: BackendCall[] = [];
  const advance = options.advance ?? 'per-check';

  const pick = (ctx: AttemptContext, index: number): JobScript => {
    const source = typeof options.script === 'function' ? options.script(ctx, index) : options.script;
    return Array.isArray(source) ? { steps: source as readonly ScriptStep[] } : (source as JobScript);
  };
  const record = (op: BackendCall['op'], ctx: AttemptContext, jobId: string | undefined, extra: { reused?: boolean } = {}): void => {
    calls.push({
      op,
      jobId,
      attempt: ctx.attempt,
      generatedName: ctx.generatedName,
      idempotencyToken: ctx.idempotencyToken,
      interruptible: ctx.interruptible,
      ...extra,
    });
  };
  const find = (handle: InMemoryHandle): JobState => {
    const job = jobs.find((j) => j.id === handle.jobId);
    if (job === undefined) throw new Error(`in-memory backend: no job '${handle.jobId}'`);
    return job;
  };
  const stepIndex = (job: JobState): number => {
    const last = Math.max(0, job.script.steps.length - 1);
    if (advance === 'per-check') return Math.min(Math.max(0, job.checks - 1), last);
    return Math.min(Math.floor((advance.clock.now() - job.createdAt) / advance.everyMs), last);
  };
  /** Where the job is in its script (ABORTED once deleted). */
  const statusOf = (job: JobState): TaskStatus =>
    job.deleted ? { phase: TaskExecution_Phase.ABORTED, message: 'deleted' } : toStatus(job.script.steps[stepIndex(job)]);
  /** The status reported to the executor; a job once seen terminal is no longer live. */
  const current = (job: JobState): TaskStatus => {
    const status = statusOf(job);
    if (TERMINAL.has(status.phase)) job.everTerminal = true;
    return status;
  };
  const view = (job: JobState): InMemoryJob => ({
    id: job.id,
    attempt: job.ctx.attempt,
    generatedName: job.ctx.generatedName,
    idempotencyToken: job.ctx.idempotencyToken,
    interruptible: job.ctx.interruptible,
    deleted: job.deleted,
    get status() {
      return statusOf(job);
    },
    get live() {
      return !job.deleted && !job.everTerminal;
    },
  });

  const backend: InMemoryBackend = {
    name: options.name ?? 'in-memory',
    handleVersion: options.handleVersion ?? 1,
    ...(options.poll !== undefined && { poll: options.poll }),
    async create(ctx) {
      const existing = jobs.find((j) => j.ctx.idempotencyToken === ctx.idempotencyToken);
      if (existing !== undefined) {
        record('create', ctx, existing.id, { reused: true });
        return { jobId: existing.id };
      }
      const script = pick(ctx, calls.filter((c) => c.op === 'create' && c.reused !== true).length);
      if (script.createThrows !== undefined) {
        record('create', ctx, undefined);
        throw script.createThrows;
      }
      const job: JobState = {
        id: `job-${jobs.length + 1}`,
        ctx,
        script,
        createdAt: advance === 'per-check' ? 0 : advance.clock.now(),
        checks: 0,
        deleted: false,
        everTerminal: false,
      };
      jobs.push(job);
      record('create', ctx, job.id, { reused: false });
      return { jobId: job.id };
    },
    async get(handle, ctx) {
      record('get', ctx, handle.jobId);
      const job = find(handle);
      job.checks += 1;
      const step = job.deleted ? undefined : job.script.steps[stepIndex(job)];
      if (step?.throws !== undefined) throw step.throws;
      return current(job);
    },
    async delete(handle, ctx) {
      record('delete', ctx, handle.jobId);
      const job = jobs.find((j) => j.id === handle.jobId);
      if (job?.script.deleteThrows !== undefined) throw job.script.deleteThrows;
      if (job !== undefined) job.deleted = true;
    },
    get calls() {
      return calls;
    },
    get creates() {
      return calls.filter((c) => c.op === 'create');
    },
    get gets() {
      return calls.filter((c) => c.op === 'get');
    },
    get deletes() {
      return calls.filter((c) => c.op === 'delete');
    },
    get jobs() {
      return jobs.map(view);
    },
    liveJobs() {
      return jobs.map(view).filter((j) => j.live);
    },
  };

  if (options.watch === true) {
    backend.watch = (handle, ctx, onStatus, signal) => {
      record('watch', ctx, handle.jobId);
      const job = find(handle);
      void (async () => {
        let last: string | undefined;
        while (!signal.aborted) {
          job.checks += 1;
          const status = current(job);
          const key = `${status.phase}|${status.message ?? ''}`;
          if (key !== last) onStatus(status);
          last = key;
          if (TERMINAL.has(status.phase)) return;
          if (advance === 'per-check') await new Promise((resolve) => setImmediate(resolve));
          else await advance.clock.sleep(advance.everyMs, signal).catch(() => undefined);
        }
      })();
    };
  }
  return backend;
}
