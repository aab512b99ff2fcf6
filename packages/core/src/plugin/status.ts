/**
 * Status constructors for backends, so a plugin author states what happened (`running(...)`,
 * `failed(...)`) and never needs flyteidl's phase numbers.
 */
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { FailureInfo, FailureKind } from '../errors.ts';
import type { LogLink, TaskStatus } from './contract.ts';

/** flyteidl's TaskExecution phases, by name. */
export const Phase = TaskExecution_Phase;

interface Details {
  readonly message?: string;
  readonly logs?: readonly LogLink[];
}

const live = (phase: TaskExecution_Phase, details: Details): TaskStatus => ({
  phase,
  ...(details.message === undefined ? {} : { message: details.message }),
  ...(details.logs === undefined ? {} : { logs: details.logs }),
});

export const queued = (details: Details = {}): TaskStatus => live(TaskExecution_Phase.QUEUED, details);
/** Waiting on a quota or capacity (Flyte's WaitingForResources). */
export const waitingForResources = (details: Details = {}): TaskStatus => live(TaskExecution_Phase.WAITING_FOR_RESOURCES, details);
export const initializing = (details: Details = {}): TaskStatus => live(TaskExecution_Phase.INITIALIZING, details);
export const running = (details: Details = {}): TaskStatus => live(TaskExecution_Phase.RUNNING, details);

/** Succeeded; `outputs` inline, or omitted when the job wrote `<outputPrefix>/outputs.pb` (or has none). */
export function succeeded(outputs?: LiteralMap, details: Details = {}): TaskStatus {
  return { ...live(TaskExecution_Phase.SUCCEEDED, details), ...(outputs === undefined ? {} : { outputs }) };
}

/** Failed: RETRYABLE_FAILED when the failure is retryable, FAILED otherwise. */
export function failed(failure: FailureInfo, details: Omit<Details, 'message'> = {}): TaskStatus {
  return {
    phase: failure.retryable ? TaskExecution_Phase.RETRYABLE_FAILED : TaskExecution_Phase.FAILED,
    message: failure.message,
    ...(details.logs === undefined ? {} : { logs: details.logs }),
    failure,
  };
}

/** Shorthand for `failed({ kind, retryable, code, message })`. */
export function failure(kind: FailureKind, retryable: boolean, code: string, message: string, retryAfterMs?: number): TaskStatus {
  return failed({ kind, retryable, code, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}

/** The job was stopped outside tflyte. */
export const aborted = (details: Details = {}): TaskStatus => live(TaskExecution_Phase.ABORTED, details);
export type Phase = TaskExecution_Phase;
