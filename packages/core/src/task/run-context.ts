/**
 * Who runs a task when it is called. Outside any run, a call executes in-process, as a local
 * flytekit call does. Inside an executor run (a workflow, `tflyte run`) the executor installs
 * itself, so nested calls get its caching, retries and backends.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { TflyteError } from '../errors.ts';
import type { TaskDefinition } from './define-task.ts';

export interface TaskRunner {
  runTask(task: TaskDefinition, inputs: LiteralMap): Promise<LiteralMap>;
}

const inProcess: TaskRunner = {
  async runTask(task, inputs) {
    if (!task.kind.execute) {
      throw new TflyteError(
        'TFLYTE_PLUGIN_NOT_FOUND',
        `task '${task.name}' (type '${task.kind.taskType}') has no in-process implementation; ` +
          'run it through an executor with its plugin registered (tflyte run, or createExecutor().runTask)',
      );
    }
    return task.kind.execute(inputs);
  },
};

const storage = new AsyncLocalStorage<TaskRunner>();

export function currentRunner(): TaskRunner {
  return storage.getStore() ?? inProcess;
}

/** Runs `fn` with `runner` handling every task call made inside it (including nested awaits). */
export function withRunner<T>(runner: TaskRunner, fn: () => T): T {
  return storage.run(runner, fn);
}
