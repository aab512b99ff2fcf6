/**
 * Function tasks as a plugin like any other: task type `container`, and a sync backend that runs
 * the TypeScript function in this process. The function's promise is the job, so the executor calls
 * `do`, which settles when the function does, with the same retries, timeouts, cancellation, cache
 * and events as a Kubernetes pod or a warehouse query. A running JS function cannot be stopped from
 * outside: on a timeout or cancellation the executor stops waiting for it and its result is dropped.
 */
import corePackage from '../../package.json' with { type: 'json' };
import { type Checkpoint, storageCheckpoint, withCheckpoint } from '../checkpoint/checkpoint.ts';
import { BackendError } from '../errors.ts';
import { classifyError } from '../executor/failure.ts';
import type { AttemptContext, SyncBackend } from '../plugin/contract.ts';
import { definePlugin } from '../plugin/define-plugin.ts';
import { failed, succeeded } from '../plugin/status.ts';
import { createFileStore, createStorage } from '../storage/index.ts';
import { loadedTask } from './loaded-tasks.ts';

/**
 * Flyte's function-task type. flytekit uses `python-task`, which a stock cluster routes to the pod
 * plugin only as its catch-all default; `container` is registered to the pod plugin by name, so
 * our function tasks run on any Flyte cluster regardless of its default-plugin configuration.
 */
export const FUNCTION_TASK_TYPE = 'container';

export const FUNCTION_BACKEND_NAME = 'in-process function';

export function functionBackend(): SyncBackend {
  return {
    name: FUNCTION_BACKEND_NAME,
    inProcess: true,
    async do(ctx) {
      const execute = loadedFunction(ctx);
      try {
        return succeeded(await withCheckpoint(attemptCheckpoint(ctx), () => execute(ctx.inputs)));
      } catch (error) {
        return failed(classifyError(error, 'user'));
      }
    },
  };
}

const localStorage = createStorage([createFileStore()]);

/**
 * A local attempt's checkpoint, as Flyte lays them out for a pod: this attempt's under its own
 * directory (`<state dir>/runs/<run>/<node>/<attempt>`), the previous attempt's under the sibling
 * directory, so a retried function resumes from what the failed attempt saved.
 */
function attemptCheckpoint(ctx: AttemptContext): Checkpoint {
  const base = ctx.outputPrefix;
  const own = `/${ctx.attempt}`;
  const prev = ctx.attempt > 0 && base.endsWith(own) ? `${base.slice(0, -own.length)}/${ctx.attempt - 1}/_flytecheckpoints` : undefined;
  return storageCheckpoint(localStorage, { checkpointPath: `${base}/_flytecheckpoints`, prevCheckpoint: prev });
}

/** The function of the task the attempt's template names; a task not loaded fails like a refused submission. */
function loadedFunction(ctx: AttemptContext) {
  const name = ctx.template.id?.name ?? '';
  const task = loadedTask(name);
  if (!task?.kind.execute) {
    throw new BackendError({
      kind: 'user',
      retryable: false,
      code: 'TaskNotLoaded',
      message: `task '${name}' is not loaded in this process; import its module before running it`,
    });
  }
  return task.kind.execute;
}

/** The built-in definition of function tasks; `task()` is derived from it. */
export const functionTasks = definePlugin({
  taskType: FUNCTION_TASK_TYPE,
  taskTypeVersion: 0,
  packageName: '@tflyte/core',
  coreVersion: `^${corePackage.version}`,
  target: 'container',
  backend: () => functionBackend(),
});

/** The built-in plugin for function tasks. */
export const functionPlugin = () => functionTasks.plugin();
