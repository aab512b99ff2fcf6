/**
 * Function tasks as a plugin like any other: task type `container`, and a backend that runs the
 * TypeScript function in this process. The function's promise is the job, so the backend is a sync
 * one (Flyte's SyncPlugin): the executor calls `do`, which settles when the function does, with the
 * same retries, timeouts, cancellation, cache and events as a Kubernetes pod or a warehouse query.
 * A running JS function cannot be stopped from outside: on a timeout or cancellation the executor
 * stops waiting for it and its result is dropped.
 *
 * Like every backend it also has the create → watch → delete lifecycle, which runs the function as
 * an in-process job. Those jobs live and die with the process, so a handle from an earlier process
 * finds nothing and reports a retryable system failure: the function then runs again.
 */
import { BackendError, TflyteError } from '../errors.ts';
import { type AttemptContext, type Backend, type TaskStatus, definePlugin } from '../plugin/contract.ts';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import corePackage from '../../package.json' with { type: 'json' };
import type { TaskKind } from './define-task.ts';
import { isTerminalPhase } from '../executor/phases.ts';
import { FUNCTION_TASK_TYPE } from './function-task.ts';
import { loadedTask } from './loaded-tasks.ts';

/** Thrown from a task body to fail without retries (bad input data, a permanent condition). */
export class NonRetryableError extends TflyteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TFLYTE_TASK_FAILED', message, options);
  }
}

interface Job {
  status: TaskStatus;
  readonly listeners: Set<(status: TaskStatus) => void>;
}

type Handle = { readonly job: string };
type Execute = NonNullable<TaskKind['execute']>;

export function functionBackend(): Backend<Handle> {
  const jobs = new Map<string, Job>();
  const settle = (job: Job, status: TaskStatus) => {
    if (isTerminalPhase(job.status.phase)) return;
    job.status = status;
    for (const listener of job.listeners) listener(status);
  };
  return {
    name: 'in-process function',
    handleVersion: 1,
    inProcess: true,
    do: run,
    async create(ctx) {
      const key = ctx.idempotencyToken;
      if (jobs.has(key)) return { job: key };
      loadedFunction(ctx); // a task that is not loaded is refused at submission
      const job: Job = { status: { phase: TaskExecution_Phase.RUNNING }, listeners: new Set() };
      jobs.set(key, job);
      run(ctx).then(
        (status) => settle(job, status),
        (error: unknown) => settle(job, failure(error)),
      );
      return { job: key };
    },
    async get(handle) {
      return jobs.get(handle.job)?.status ?? lost();
    },
    watch(handle, _ctx, onStatus, signal) {
      const job = jobs.get(handle.job);
      if (!job) return onStatus(lost());
      onStatus(job.status);
      if (isTerminalPhase(job.status.phase)) return;
      job.listeners.add(onStatus);
      signal.addEventListener('abort', () => job.listeners.delete(onStatus), { once: true });
    },
    async finalize(handle) {
      jobs.delete(handle.job);
    },
    async delete(handle) {
      // A running JS function cannot be stopped from outside; its result is dropped.
      const job = jobs.get(handle.job);
      if (job) settle(job, { phase: TaskExecution_Phase.ABORTED, message: 'aborted' });
      jobs.delete(handle.job);
    },
  };
}

/** The function of the task the attempt's template names; a task not loaded fails like a refused submission. */
function loadedFunction(ctx: AttemptContext): Execute {
  const name = ctx.template.id?.name ?? '';
  const task = loadedTask(name);
  if (!task?.kind.execute) {
    throw new BackendError({
      kind: 'user',
      retryable: false,
      reason: 'TaskNotLoaded',
      message: `task '${name}' is not loaded in this process; import its module before running it`,
    });
  }
  return task.kind.execute;
}

/** Runs the function; what it throws becomes a failed status. */
async function run(ctx: AttemptContext): Promise<TaskStatus> {
  const execute = loadedFunction(ctx);
  try {
    return { phase: TaskExecution_Phase.SUCCEEDED, outputs: await execute(ctx.inputs) };
  } catch (error) {
    return failure(error);
  }
}

/** The built-in plugin for function tasks. */
export function functionPlugin() {
  return definePlugin({
    taskType: FUNCTION_TASK_TYPE,
    taskTypeVersion: 0,
    packageName: '@tflyte/core',
    coreVersion: `^${corePackage.version}`,
    target: 'container',
    backend: functionBackend(),
  });
}


function failure(error: unknown): TaskStatus {
  const message = error instanceof Error ? error.message : String(error);
  // User code failing is the user's failure; it spends the task's retries unless it says it is permanent.
  const permanent = error instanceof NonRetryableError || (error instanceof TflyteError && error.code === 'TFLYTE_INVALID_OUTPUT');
  const code = `USER:${error instanceof Error ? (error.cause instanceof Error ? error.cause.name : error.name) : 'Error'}`;
  return {
    phase: permanent ? TaskExecution_Phase.FAILED : TaskExecution_Phase.RETRYABLE_FAILED,
    message,
    failure: { kind: 'user', retryable: !permanent, code, message },
  };
}

function lost(): TaskStatus {
  const message = 'the in-process job was lost (the executor restarted); running it again';
  return {
    phase: TaskExecution_Phase.RETRYABLE_FAILED,
    message,
    failure: { kind: 'system', retryable: true, code: 'JobLost', message },
  };
}
