import type { FailureKind } from '../errors.ts';
import type { LogLink } from '../plugin/contract.ts';
import type { JsonValue } from '../types/flyte-type.ts';

/** Fields every executor event carries. */
export interface EventBase {
  readonly runId: string;
  readonly nodeId: string;
  /** TaskTemplate.id.name (or the task type when the template has no id). */
  readonly task: string;
  /** Clock time of the event, ms since the epoch. */
  readonly at: number;
}

export interface RunStartedEvent extends EventBase {
  readonly type: 'run-started';
  readonly taskType: string;
  readonly taskTypeVersion: number;
  readonly backend: string;
  /** The backend runs jobs inside this process (Backend.inProcess). */
  readonly inProcess: boolean;
}
export interface CacheHitEvent extends EventBase {
  readonly type: 'cache-hit';
  readonly key: string;
}
export interface CacheMissEvent extends EventBase {
  readonly type: 'cache-miss';
  readonly key: string;
}
/** Another run (in this process or another one) is computing the same cache key; this one waits. */
export interface CacheWaitEvent extends EventBase {
  readonly type: 'cache-wait';
  readonly key: string;
  readonly owner: string;
}
/** This run took over a serialization lock whose owner stopped heartbeating. */
export interface CacheLockTakenOverEvent extends EventBase {
  readonly type: 'cache-lock-taken-over';
  readonly key: string;
  readonly previousOwner: string;
}
export interface CacheWriteEvent extends EventBase {
  readonly type: 'cache-write';
  readonly key: string;
}
/** create returned and its handle is stored; status checks follow. */
export interface AttemptCreatedEvent extends EventBase {
  readonly type: 'attempt-created';
  readonly attempt: number;
  readonly generatedName: string;
  readonly backend: string;
  readonly interruptible: boolean;
  readonly handle: JsonValue;
}
/** The attempt was handed to the backend's `do`, which runs it within the call; its terminal status follows. */
export interface AttemptStartedEvent extends EventBase {
  readonly type: 'attempt-started';
  readonly attempt: number;
  readonly generatedName: string;
  readonly backend: string;
  readonly interruptible: boolean;
}
/** A live attempt recorded by an earlier executor (e.g. before a crash) is being watched again, without create. */
export interface AttemptReattachedEvent extends EventBase {
  readonly type: 'attempt-reattached';
  readonly attempt: number;
  readonly generatedName: string;
  readonly backend: string;
  readonly handle: JsonValue;
}
export interface StatusChangedEvent extends EventBase {
  readonly type: 'status-changed';
  readonly attempt: number;
  /** TaskExecution phase number and its name (`RUNNING`). */
  readonly phase: number;
  readonly phaseName: string;
  readonly message: string | undefined;
  readonly logs: readonly LogLink[];
}
export interface AttemptFailedEvent extends EventBase {
  readonly type: 'attempt-failed';
  readonly attempt: number;
  readonly kind: FailureKind;
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}
export interface RetryScheduledEvent extends EventBase {
  readonly type: 'retry-scheduled';
  readonly nextAttempt: number;
  readonly kind: FailureKind;
  /** Retries left after this one, per budget. */
  readonly userRetriesLeft: number;
  readonly systemRetriesLeft: number;
  /** The next attempt waits this long first, as the failure asked (a service's Retry-After). */
  readonly afterMs?: number;
}
/** A status check (get or watch) failed; it is retried with backoff and the job is left alone. */
export interface StatusCheckFailedEvent extends EventBase {
  readonly type: 'status-check-failed';
  readonly attempt: number;
  /** Consecutive failures so far. */
  readonly failures: number;
  readonly message: string;
}
export interface TimedOutEvent extends EventBase {
  readonly type: 'timed-out';
  readonly attempt: number;
  readonly timeoutMs: number;
}
/** A job could not be deleted (on timeout, cancel or a failed status check); it may still be running. */
export interface CleanupFailedEvent extends EventBase {
  readonly type: 'cleanup-failed';
  readonly attempt: number;
  readonly message: string;
}
export interface CancelledEvent extends EventBase {
  readonly type: 'cancelled';
  /** The attempt whose job was deleted, when one was live. */
  readonly attempt: number | undefined;
}
export interface SucceededEvent extends EventBase {
  readonly type: 'succeeded';
  /** Attempts this run used; 0 for a cache hit. */
  readonly attempts: number;
  readonly fromCache: boolean;
}
export interface FailedEvent extends EventBase {
  readonly type: 'failed';
  readonly kind: FailureKind;
  readonly code: string;
  readonly message: string;
  readonly attempts: number;
}

/** Every state change of a run, in order. */
export type ExecutorEvent =
  | RunStartedEvent
  | CacheHitEvent
  | CacheMissEvent
  | CacheWaitEvent
  | CacheLockTakenOverEvent
  | CacheWriteEvent
  | AttemptCreatedEvent
  | AttemptStartedEvent
  | AttemptReattachedEvent
  | StatusChangedEvent
  | AttemptFailedEvent
  | RetryScheduledEvent
  | StatusCheckFailedEvent
  | TimedOutEvent
  | CleanupFailedEvent
  | CancelledEvent
  | SucceededEvent
  | FailedEvent;

export type ExecutorEventType = ExecutorEvent['type'];
export type ExecutorEventListener = (event: ExecutorEvent) => void;

/** Distributes `Omit<Event, keyof EventBase>` over the union, for building events. */
export type EventPayload = ExecutorEvent extends infer E ? (E extends ExecutorEvent ? Omit<E, keyof EventBase> : never) : never;
