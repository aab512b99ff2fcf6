/**
 * The one job model of the kit's fake job services: jobs submitted with an idempotency token,
 * moving through scripted statuses (one step per status check, or per interval of a clock), pinned
 * by hand (`settle`), and deleted. The in-memory backend calls it directly; the HTTP job service
 * puts it behind a loopback server, so the same jobs can outlive an executor process.
 */
import type { AttemptContext, Clock, FailureInfo, LogLink, TaskStatus } from '@tflyte/core';
import { isTerminalPhase } from '@tflyte/core';
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
  /** The status check fails with this instead of reporting a status. */
  readonly throws?: unknown;
}

export interface JobScript {
  readonly steps: readonly ScriptStep[];
  /** Submitting fails with this. */
  readonly createThrows?: unknown;
  /** Deleting fails with this. */
  readonly deleteThrows?: unknown;
}

/** What a submission carries: the attempt's identity (an AttemptContext has all of it). */
export interface JobRequest {
  readonly idempotencyToken: string;
  readonly attempt: number;
  readonly generatedName: string;
  readonly interruptible: boolean;
}

export type ScriptSource<R extends JobRequest = AttemptContext> =
  | readonly ScriptStep[]
  | JobScript
  | ((request: R, jobIndex: number) => readonly ScriptStep[] | JobScript);

/** How a job moves through its steps: one per status check, or one every `everyMs` of `clock` time. The last step repeats. */
export type JobAdvance = 'per-check' | { readonly clock: Clock; readonly everyMs: number };

export interface JobModelOptions<R extends JobRequest> {
  /**
   * The script every job follows, or a function choosing one per job from its request and the
   * index of the submission (0, 1, …; submissions that fail count, idempotent repeats do not).
   */
  readonly script: ScriptSource<R>;
  readonly advance?: JobAdvance;
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
  /** Shorthand for `status.phase`. */
  readonly phase: TaskExecution_Phase;
  /** True until it reports a terminal phase, is settled terminal or is deleted. */
  readonly live: boolean;
}

export interface JobModel<R extends JobRequest> {
  /** Starts a job, or finds the one started with the same token (`created: false`). */
  submit(request: R): { readonly id: string; readonly created: boolean };
  /** One status check: advances a per-check script and throws a scripted `throws`. */
  check(id: string): TaskStatus;
  /** Stops the job (ABORTED from then on); false when there is no such job. Idempotent. */
  remove(id: string): boolean;
  /** Pins the job's status (a completion or failure decided by the test), ending its script. */
  settle(id: string, status: TaskStatus): void;
  has(id: string): boolean;
  /** Requests of the jobs actually started, by id. */
  request(id: string): R | undefined;
  /** Jobs actually started (idempotent repeats excluded), in submission order. */
  readonly jobs: readonly InMemoryJob[];
  liveJobs(): readonly InMemoryJob[];
}

/** A status check of a job that does not exist. */
export class UnknownJobError extends Error {
  constructor(id: string) {
    super(`in-memory backend: no job '${id}'`);
    this.name = 'UnknownJobError';
  }
}

interface JobState<R> {
  readonly id: string;
  readonly request: R;
  readonly script: JobScript;
  readonly createdAt: number;
  checks: number;
  deleted: boolean;
  everTerminal: boolean;
  pinned: TaskStatus | undefined;
}

export function toStatus(step: ScriptStep | undefined): TaskStatus {
  const phase = step?.phase ?? 'RUNNING';
  return {
    phase: (typeof phase === 'number' ? phase : TaskExecution_Phase[phase]) as TaskExecution_Phase,
    ...(step?.message !== undefined && { message: step.message }),
    ...(step?.logs !== undefined && { logs: step.logs }),
    ...(step?.outputs !== undefined && { outputs: step.outputs }),
    ...(step?.failure !== undefined && { failure: step.failure }),
  };
}

export function createJobModel<R extends JobRequest>(options: JobModelOptions<R>): JobModel<R> {
  const jobs: JobState<R>[] = [];
  const advance = options.advance ?? 'per-check';
  let submissions = 0;

  const pick = (request: R, index: number): JobScript => {
    const source = typeof options.script === 'function' ? options.script(request, index) : options.script;
    return Array.isArray(source) ? { steps: source as readonly ScriptStep[] } : (source as JobScript);
  };
  const find = (id: string): JobState<R> | undefined => jobs.find((j) => j.id === id);
  const stepIndex = (job: JobState<R>): number => {
    const last = Math.max(0, job.script.steps.length - 1);
    if (advance === 'per-check') return Math.min(Math.max(0, job.checks - 1), last);
    return Math.min(Math.floor((advance.clock.now() - job.createdAt) / advance.everyMs), last);
  };
  const statusOf = (job: JobState<R>): TaskStatus =>
    job.deleted ? { phase: TaskExecution_Phase.ABORTED, message: 'deleted' } : (job.pinned ?? toStatus(job.script.steps[stepIndex(job)]));
  const view = (job: JobState<R>): InMemoryJob => ({
    id: job.id,
    attempt: job.request.attempt,
    generatedName: job.request.generatedName,
    idempotencyToken: job.request.idempotencyToken,
    interruptible: job.request.interruptible,
    get deleted() {
      return job.deleted;
    },
    get status() {
      return statusOf(job);
    },
    get phase() {
      return statusOf(job).phase;
    },
    get live() {
      return !job.deleted && !job.everTerminal && !(job.pinned !== undefined && isTerminalPhase(job.pinned.phase));
    },
  });

  return {
    submit(request) {
      const existing = jobs.find((j) => j.request.idempotencyToken === request.idempotencyToken);
      if (existing !== undefined) return { id: existing.id, created: false };
      const script = pick(request, submissions++);
      if (script.createThrows !== undefined) throw script.createThrows;
      const job: JobState<R> = {
        id: `job-${jobs.length + 1}`,
        request,
        script,
        createdAt: advance === 'per-check' ? 0 : advance.clock.now(),
        checks: 0,
        deleted: false,
        everTerminal: false,
        pinned: undefined,
      };
      jobs.push(job);
      return { id: job.id, created: true };
    },
    check(id) {
      const job = find(id);
      if (job === undefined) throw new UnknownJobError(id);
      job.checks += 1;
      const step = job.deleted || job.pinned !== undefined ? undefined : job.script.steps[stepIndex(job)];
      if (step?.throws !== undefined) throw step.throws;
      const status = statusOf(job);
      if (isTerminalPhase(status.phase)) job.everTerminal = true;
      return status;
    },
    remove(id) {
      const job = find(id);
      if (job?.script.deleteThrows !== undefined) throw job.script.deleteThrows;
      if (job === undefined) return false;
      job.deleted = true;
      return true;
    },
    settle(id, status) {
      const job = find(id);
      if (job === undefined) throw new UnknownJobError(id);
      job.pinned = status;
    },
    has: (id) => find(id) !== undefined,
    request: (id) => find(id)?.request,
    get jobs() {
      return jobs.map(view);
    },
    liveJobs() {
      return jobs.map(view).filter((j) => j.live);
    },
  };
}
