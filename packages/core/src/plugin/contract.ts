/**
 * The plugin contract: the one interface every task type implements.
 *
 * A plugin has two halves:
 *  - authoring: how a task's plugin config becomes TaskTemplate.custom / config and which target
 *    (container, k8sPod, sql) it produces;
 *  - a backend: the create → get/watch → delete lifecycle of one attempt of that task, which the
 *    shared executor drives identically for every task type — or, for jobs that complete within
 *    one call, `do` (Flyte's SyncPlugin, a sync connector).
 *
 * The executor may run a task type on a backend other than the plugin's own (for example every
 * container-target task type as a Kubernetes pod); a Backend is therefore a separate value.
 */
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import type { JsonObject, JsonValue } from '../types/flyte-type.ts';

export type { TaskExecution_Phase as Phase } from '@tflyte/idl/core/execution';

/** Whose fault a failure is: USER failures spend the task's `retries`, SYSTEM ones a separate budget. */
export type FailureKind = 'user' | 'system';

/** A failure reported by a backend, in a status or thrown from a lifecycle call. */
export interface FailureInfo {
  readonly kind: FailureKind;
  /** false for permanent failures (bad query, invalid spec): never retried. */
  readonly retryable: boolean;
  /** A short stable code, e.g. `OOMKilled`, `ThrottlingException`, `SYNTAX_ERROR`. */
  readonly code: string;
  readonly message: string;
}

export interface LogLink {
  readonly name: string;
  readonly uri: string;
}

/** What a backend reports about one attempt. */
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
   * Aborts on the task's timeout and on cancellation. Create → get/watch attempts also see it abort
   * once the executor stops following the attempt; `do` attempts do not.
   */
  readonly signal: AbortSignal;
}

/**
 * One backend lifecycle. `Handle` is the JSON-serializable resource handle create returns; the
 * executor persists it (with `handleVersion`) before the first status check, and hands it back to
 * get / watch / delete, possibly in a new process after a restart.
 *
 * A backend whose jobs complete within one call also implements `do`, which the executor then uses
 * instead. It still implements create / get / delete: every backend keeps the one lifecycle that
 * tools and tests can drive step by step, and the executor re-attaches with it to a job that an
 * earlier version of the backend (without `do`) recorded with a handle.
 */
export interface Backend<Handle extends JsonValue = JsonValue> {
  /** Shown in errors and `tflyte plugins`, e.g. `in-process function`, `kubernetes-pod`, `athena`. */
  readonly name: string;
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
   * Optional push-based status: call `onStatus` on every change until `signal` aborts.
   * When present the executor uses it instead of polling.
   */
  watch?(handle: Handle, ctx: AttemptContext, onStatus: (status: TaskStatus) => void, signal: AbortSignal): void;
  /**
   * Optional: run the whole attempt within this one call and return its terminal status — Flyte's
   * SyncPlugin `Do`, a sync connector's `do`. When present the executor calls `do` instead of
   * create → get/watch → delete: nothing is persisted between calls and nothing is polled, so after a
   * restart the executor calls `do` again for the same attempt (pass `ctx.idempotencyToken` to a
   * remote service to make that safe). `ctx.signal` aborts on the task's timeout or on cancellation;
   * stop the work then — the executor stops waiting for it either way and reports the timeout (a
   * retryable USER failure) or the cancellation. Return a terminal status (SUCCEEDED, FAILED,
   * RETRYABLE_FAILED or ABORTED; a live phase is a permanent SYSTEM failure), or throw a BackendError
   * (any other error is a retryable SYSTEM failure).
   */
  do?(ctx: AttemptContext): Promise<TaskStatus>;
  /**
   * Jobs run inside the executor's own process and end with it (the built-in function backend).
   * There is nothing to re-attach to after a restart, so the executor keeps their attempts in
   * memory and writes no inputs.pb / outputs.pb: a restarted run simply runs them again.
   */
  readonly inProcess?: boolean;
  /** Polling cadence when there is no watch: first delay, multiplier, cap (ms). */
  readonly poll?: { readonly initialMs: number; readonly multiplier: number; readonly maxMs: number };
}

/** The target a plugin's tasks serialize with. */
export type TargetKind = 'container' | 'k8sPod' | 'sql';

/**
 * A plugin: one task type, one custom-config shape, one default backend.
 * Build it with `definePlugin` so its types are inferred; the registry validates it once, on `register`.
 */
export interface Plugin<Config = unknown, Handle extends JsonValue = JsonValue> {
  /** `TaskTemplate.type`, e.g. `presto`, `spark`, `raw-container`. */
  readonly taskType: string;
  /** `TaskTemplate.task_type_version`. */
  readonly taskTypeVersion: number;
  /** npm package that provides the plugin, named in "install …" hints. */
  readonly packageName: string;
  /** Semver range of @tflyte/core this plugin works with, e.g. `^0.1.0`. */
  readonly coreVersion: string;
  readonly target: TargetKind;
  /** Config → TaskTemplate.custom (the flyteidl plugin message's proto3 JSON, as flytekit writes it). */
  toCustom?(config: Config): JsonObject | undefined;
  /** TaskTemplate.custom → config; the inverse of toCustom. */
  fromCustom?(custom: JsonObject | undefined): Config;
  /** Entries merged into TaskTemplate.config. */
  toTemplateConfig?(config: Config): Record<string, string>;
  /** The backend that runs this task type when the executor configuration names no other. */
  readonly backend: Backend<Handle>;
}

/** Identity helper that gives plugin authors type inference; the shape is checked when the plugin is registered. */
export function definePlugin<Config, Handle extends JsonValue>(plugin: Plugin<Config, Handle>): Plugin<Config, Handle> {
  return plugin;
}
