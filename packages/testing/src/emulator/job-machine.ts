/**
 * The lifecycle of a test server's jobs: QUEUED for `queuedMs`, RUNNING for `runningMs` and then for
 * as long as the work takes, then SUCCEEDED / FAILED; `stop` cancels a queued or running job. The
 * work runs at the end of the timed RUNNING phase, so a job cancelled before then has no side
 * effects. Submissions with a known idempotency token return the job they already started.
 */
import { randomUUID } from 'node:crypto';
import { TflyteError } from '@tflyte/core';

export type JobState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface Job<Spec, Result, Failure> {
  readonly id: string;
  /** The idempotency token it was submitted with. */
  readonly token: string | undefined;
  readonly spec: Spec;
  state: JobState;
  result: Result | undefined;
  /** Set with FAILED, and with CANCELLED when `stop` was given one. */
  failure: Failure | undefined;
  submittedAt: Date;
  startedAt: Date | undefined;
  completedAt: Date | undefined;
  /** How many times the work ran: 0 or 1, whatever the number of submissions. */
  runs: number;
}

export type WorkOutcome<Result, Failure> =
  | { readonly ok: true; readonly result: Result }
  | { readonly ok: false; readonly failure: Failure };

/**
 * Per-job overrides, decided at submission. A duration of `Infinity` holds the job in that state
 * until `advance(id)` or `stop`.
 */
export interface JobPlan<Failure> {
  readonly queuedMs?: number;
  readonly runningMs?: number;
  /** Fail with this instead of running the work. */
  readonly fail?: Failure;
}

export interface JobMachineOptions<Spec, Result, Failure> {
  /** Default 5 ms. */
  readonly queuedMs?: number;
  /** Default 10 ms. */
  readonly runningMs?: number;
  /** The job's work; `signal` aborts when the job is stopped or the machine closes. */
  readonly work: (job: Job<Spec, Result, Failure>, signal: AbortSignal) => Promise<WorkOutcome<Result, Failure>>;
  /** A failure for work that threw. */
  readonly crashed: (error: unknown) => Failure;
  readonly plan?: (job: Job<Spec, Result, Failure>) => JobPlan<Failure> | undefined;
  /** Job ids; default random UUIDs. */
  readonly newId?: () => string;
  /** Names the server in configuration errors. */
  readonly server?: string;
}

interface Internal<Spec, Result, Failure> {
  readonly job: Job<Spec, Result, Failure>;
  readonly plan: { readonly queuedMs: number; readonly runningMs: number; readonly fail: Failure | undefined };
  timer: NodeJS.Timeout | undefined;
  pending: (() => void) | undefined;
  abort: AbortController | undefined;
}

export function isTerminalJobState(state: JobState): boolean {
  return state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED';
}

export class JobMachine<Spec, Result = unknown, Failure = unknown> {
  readonly #options: JobMachineOptions<Spec, Result, Failure>;
  readonly #byId = new Map<string, Internal<Spec, Result, Failure>>();
  readonly #byToken = new Map<string, string>();
  readonly #queuedMs: number;
  readonly #runningMs: number;
  #closed = false;

  constructor(options: JobMachineOptions<Spec, Result, Failure>) {
    this.#options = options;
    this.#queuedMs = this.#checkDuration('queuedMs', options.queuedMs ?? 5);
    this.#runningMs = this.#checkDuration('runningMs', options.runningMs ?? 10);
  }

  /** Live jobs, oldest first (mutable: snapshot them before handing them out). */
  list(): Job<Spec, Result, Failure>[] {
    return [...this.#byId.values()].map((i) => i.job);
  }

  get(id: string): Job<Spec, Result, Failure> | undefined {
    return this.#byId.get(id)?.job;
  }

  byToken(token: string): Job<Spec, Result, Failure> | undefined {
    const id = this.#byToken.get(token);
    return id === undefined ? undefined : this.get(id);
  }

  /** Starts a job, or returns the one already started with `token` (`created: false`). */
  submit(spec: Spec, token?: string): { readonly job: Job<Spec, Result, Failure>; readonly created: boolean } {
    const existing = token === undefined ? undefined : this.byToken(token);
    if (existing !== undefined) return { job: existing, created: false };
    const job: Job<Spec, Result, Failure> = {
      id: (this.#options.newId ?? randomUUID)(),
      token,
      spec,
      state: 'QUEUED',
      result: undefined,
      failure: undefined,
      submittedAt: new Date(),
      startedAt: undefined,
      completedAt: undefined,
      runs: 0,
    };
    const override = this.#options.plan?.(job) ?? {};
    const plan = {
      queuedMs: this.#checkDuration('plan().queuedMs', override.queuedMs ?? this.#queuedMs),
      runningMs: this.#checkDuration('plan().runningMs', override.runningMs ?? this.#runningMs),
      fail: override.fail,
    };
    const internal: Internal<Spec, Result, Failure> = { job, plan, timer: undefined, pending: undefined, abort: undefined };
    this.#byId.set(job.id, internal);
    if (token !== undefined) this.#byToken.set(token, job.id);
    this.#schedule(internal, plan.queuedMs, () => this.#toRunning(internal));
    return { job, created: true };
  }

  /** Cancels a QUEUED or RUNNING job; a finished one is left as it is (stopping is idempotent). */
  stop(id: string, failure?: Failure): void {
    const internal = this.#byId.get(id);
    if (internal === undefined || isTerminalJobState(internal.job.state)) return;
    this.#clearPending(internal);
    internal.abort?.abort();
    this.#finish(internal, 'CANCELLED', undefined, failure);
  }

  /** Moves a job waiting in QUEUED or in the timed part of RUNNING on now; false when nothing was waiting. */
  advance(id: string): boolean {
    const internal = this.#byId.get(id);
    const next = internal?.pending;
    if (internal === undefined || next === undefined) return false;
    this.#clearPending(internal);
    next();
    return true;
  }

  /** Stops all timers and aborts running work; jobs keep the state they had. */
  close(): void {
    this.#closed = true;
    for (const internal of this.#byId.values()) {
      this.#clearPending(internal);
      internal.abort?.abort();
    }
  }

  #toRunning(internal: Internal<Spec, Result, Failure>): void {
    internal.job.state = 'RUNNING';
    internal.job.startedAt = new Date();
    this.#schedule(internal, internal.plan.runningMs, () => this.#run(internal));
  }

  #run(internal: Internal<Spec, Result, Failure>): void {
    const { job, plan } = internal;
    if (plan.fail !== undefined) {
      this.#finish(internal, 'FAILED', undefined, plan.fail);
      return;
    }
    job.runs++;
    const abort = new AbortController();
    internal.abort = abort;
    void this.#options.work(job, abort.signal).then(
      (outcome) => {
        internal.abort = undefined;
        if (job.state !== 'RUNNING') return;
        if (outcome.ok) this.#finish(internal, 'SUCCEEDED', outcome.result, undefined);
        else this.#finish(internal, 'FAILED', undefined, outcome.failure);
      },
      (error: unknown) => {
        internal.abort = undefined;
        if (job.state === 'RUNNING') this.#finish(internal, 'FAILED', undefined, this.#options.crashed(error));
      },
    );
  }

  #finish(internal: Internal<Spec, Result, Failure>, state: JobState, result: Result | undefined, failure: Failure | undefined): void {
    const { job } = internal;
    job.state = state;
    job.result = result;
    job.failure = failure;
    job.completedAt = new Date();
  }

  #schedule(internal: Internal<Spec, Result, Failure>, ms: number, next: () => void): void {
    if (this.#closed) return;
    internal.pending = next;
    if (ms === Number.POSITIVE_INFINITY) return;
    internal.timer = setTimeout(() => {
      internal.timer = undefined;
      internal.pending = undefined;
      next();
    }, ms);
  }

  #clearPending(internal: Internal<Spec, Result, Failure>): void {
    if (internal.timer !== undefined) clearTimeout(internal.timer);
    internal.timer = undefined;
    internal.pending = undefined;
  }

  #checkDuration(name: string, ms: number): number {
    if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0 || (ms > 2 ** 31 - 1 && ms !== Number.POSITIVE_INFINITY)) {
      throw new TflyteError(
        'TFLYTE_CONFIG',
        `${this.#options.server ?? 'test server'}: ${name} must be a number of milliseconds from 0 to 2^31-1, or Infinity to hold the job (got ${ms})`,
      );
    }
    return ms;
  }
}
