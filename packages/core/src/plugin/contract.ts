/**
 * The plugin contract: the one interface every task type implements.
 *
 * A plugin is defined once, with `definePlugin` (define-plugin.ts): its task type and version, the
 * codec of its `TaskTemplate.custom`, its target kind and its default backend. Its authoring
 * factory and its registrable plugin are both derived from that one definition.
 *
 * A backend runs attempts. It is either
 *  - a SyncBackend: `do` runs the whole attempt within one call (Flyte's SyncPlugin, a sync
 *    connector), or
 *  - an AsyncBackend: create → get/watch → delete (Flyte's AsyncPlugin / k8s plugin manager), with
 *    a JSON handle the executor persists so a restarted executor re-attaches instead of submitting again.
 * One shared executor drives both for every task type. A backend is a separate value so a task type
 * can run somewhere other than its plugin's default (every container task as a Kubernetes pod).
 */

import type { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import type { FailureInfo } from '../errors.ts';
import type { Clock } from '../executor/clock.ts';
import type { JsonValue } from '../types/flyte-type.ts';

export type { TaskExecution_Phase as Phase } from '@tflyte/idl/core/execution';
export type { FailureInfo, FailureKind } from '../errors.ts';

export interface LogLink {
  readonly name: string;
  readonly uri: string;
}

/** What a backend reports about one attempt. Build it with the constructors in status.ts. */
export interface TaskStatus {
  /**
   * A flyteidl TaskExecution phase. QUEUED, WAITING_FOR_RESOURCES, INITIALIZING and RUNNING are
   * live; SUCCEEDED, FAILED, RETRYABLE_FAILED and ABORTED are terminal for the attempt.
   */
  readonly phase: TaskExecution_Phase;
  readonly message?: string;
  readonly logs?: readonly LogLink[];
  /** Set with SUCCEEDED when the backend returns outputs inline (else the executor reads `<outputPrefix>/outputs.pb`). */
  readonly outputs?: LiteralMap;
  /** Set with FAILED / RETRYABLE_FAILED. */
  readonly failure?: FailureInfo;
}

/** Identity and locations of one attempt, stable across executor restarts. */
export interface AttemptContext {
  readonly template: TaskTemplate;
  readonly inputs: LiteralMap;
  /** `<runId>-<nodeId>-<attempt>`, DNS-1123 safe, at most 50 characters (Flyte's generated name). */
  readonly generatedName: string;
  /** Same for the same attempt across restarts; backends pass it to the remote side to make create idempotent. */
  readonly idempotencyToken: string;
  readonly attempt: number;
  /** Where `inputs.pb` was written for backends that run our entrypoint. */
  readonly inputsUri: string;
  /** Where outputs.pb / error.pb go. */
  readonly outputPrefix: string;
  readonly rawOutputPrefix: string;
  /** False on the last attempt of an interruptible task, so it lands on a non-preemptible node. */
  readonly interruptible: boolean;
  /**
   * Aborts on the task's timeout and on cancellation, and once the executor stops following the
   * attempt. A sync backend stops its work then; an async backend ends its watches and timers.
   */
  readonly signal: AbortSignal;
  /** The executor's clock: backends' timers and grace periods follow it (a fake clock in tests). */
  readonly clock: Clock;
}

interface BackendIdentity {
  /** Shown in errors, events and `tflyte plugins`, e.g. `in-process function`, `kubernetes-pod`, `athena`. */
  readonly name: string;
  /**
   * Jobs run inside the executor's own process and end with it (the built-in function backend).
   * There is nothing to re-attach to after a restart, so the executor keeps their attempts in
   * memory and writes no inputs.pb / outputs.pb: a restarted run simply runs them again.
   */
  readonly inProcess?: boolean;
}

/**
 * A backend whose attempts complete within one call — Flyte's SyncPlugin `Do`, a sync connector.
 * Nothing is persisted between calls and nothing is polled: after a restart the executor calls `do`
 * again for the same attempt (pass `ctx.idempotencyToken` to a remote service to make that safe).
 * `ctx.signal` aborts on the task's timeout or on cancellation; the executor stops waiting either way.
 * Return a terminal status (a live phase is a permanent SYSTEM failure), or throw: what is thrown is
 * classified by `classifyError` as a backend (SYSTEM) error unless it is a BackendError.
 */
export interface SyncBackend extends BackendIdentity {
  do(ctx: AttemptContext): Promise<TaskStatus>;
}

/** Polling cadence: first delay, multiplier, cap (ms). */
export interface PollPolicy {
  readonly initialMs: number;
  readonly multiplier: number;
  readonly maxMs: number;
}

/**
 * How failed status checks (an error from get or watch, throttling, a reset connection) are
 * tolerated. They are retried with capped backoff and never delete or resubmit the job; only after
 * `maxFailures` consecutive failures does the attempt fail, as a retryable SYSTEM failure.
 */
export interface StatusCheckPolicy {
  /** Consecutive failed status checks tolerated. Default 5 (Flyte's web-API MaxSystemFailures). */
  readonly maxFailures: number;
  /** Backoff between failed checks: first delay and cap (ms), doubling. Default 1 s → 30 s. */
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * The create → get/watch → delete lifecycle of one attempt. `Handle` is the JSON-serializable
 * resource handle create returns; the executor persists it (with `handleVersion`) before the first
 * status check, and hands it back to get / watch / delete, possibly in a new process after a restart.
 */
export interface AsyncBackend<Handle extends JsonValue = JsonValue> extends BackendIdentity {
  /** Bump when Handle's shape changes; the executor refuses to re-attach to a handle of another version. */
  readonly handleVersion: number;
  /** Submit. Must be idempotent for the same `ctx.idempotencyToken` (it may run again after a crash). */
  create(ctx: AttemptContext): Promise<Handle>;
  /** Current status. Pure with respect to the remote job: it never changes it. */
  get(handle: Handle, ctx: AttemptContext): Promise<TaskStatus>;
  /** Stop and clean up. Idempotent: a job that is already gone or finished counts as done. */
  delete(handle: Handle, ctx: AttemptContext): Promise<void>;
  /**
   * Optional: release what the attempt still holds once it is over (succeeded or failed) and its
   * outputs are read — Flyte's Finalize. Not called for attempts that were deleted. Errors are
   * reported as events and otherwise ignored.
   */
  finalize?(handle: Handle, ctx: AttemptContext): Promise<void>;
  /**
   * Optional push-based status: call `onStatus` on every change until `signal` aborts, and `onError`
   * when the watch itself fails (the executor then checks with `get` under the status-check policy
   * and watches again). When present the executor uses it instead of polling.
   */
  watch?(
    handle: Handle,
    ctx: AttemptContext,
    onStatus: (status: TaskStatus) => void,
    signal: AbortSignal,
    onError: (error: unknown) => void,
  ): void;
  /** Polling cadence when there is no watch. Default 1 s, ×1.5, capped at 15 s. */
  readonly poll?: PollPolicy;
  /** Tolerance for failed status checks. */
  readonly statusChecks?: Partial<StatusCheckPolicy>;
}

export type Backend<Handle extends JsonValue = JsonValue> = SyncBackend | AsyncBackend<Handle>;

/** Whether a backend runs attempts with one `do` call. */
export function isSyncBackend(backend: Backend): backend is SyncBackend {
  return typeof (backend as Partial<SyncBackend>).do === 'function';
}

/** The target a plugin's tasks serialize with. */
export type TargetKind = 'container' | 'k8sPod' | 'sql';
