/**
 * Who runs a task when it is called. Outside any run, a call executes in-process, as a local
 * flytekit call does. Inside an executor run (a workflow, `tflyte run`) the executor installs
 * itself, so nested calls get its caching, retries and backends.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { TflyteError } from '../errors.ts';
import { type ArrayElements, type ElementResult, type ElementSink, runElements } from '../executor/run-elements.ts';
import type { TaskDefinition } from './define-task.ts';

export interface MapRunOptions {
  /** Elements in flight at once. */
  readonly concurrency: number;
  /** Elements that must succeed; no element starts once failures make it unreachable. */
  readonly minSuccesses: number;
  /** When given, each element's result goes here as it ends and runMap resolves with an empty array. */
  readonly onResult?: ElementSink;
}

export interface TaskRunner {
  runTask(task: TaskDefinition, inputs: LiteralMap): Promise<LiteralMap>;
  /**
   * Optional: runs `task` once per element of a map task (Flyte's ArrayNode) under `options`, with
   * one result per element, in order (or to `options.onResult`). A runner without it gets `runMapByTask`.
   */
  runMap?(task: TaskDefinition, elements: ArrayElements, options: MapRunOptions): Promise<ElementResult[]>;
}

/** runMap for a runner that only has runTask: one runTask per element, scheduled as runMap requires. */
export function runMapByTask(
  runner: TaskRunner,
  task: TaskDefinition,
  elements: ArrayElements,
  options: MapRunOptions,
): Promise<ElementResult[]> {
  return runElements(elements.length, { task: task.name, ...options }, (i) => runner.runTask(task, elements.at(i)!));
}

const inProcess: TaskRunner = {
  async runTask(task, inputs) {
    if (!task.kind.execute && task.kind.direct) return task.kind.direct(task, inputs);
    if (!task.kind.execute) {
      throw new TflyteError(
        'TFLYTE_PLUGIN_NOT_FOUND',
        `task '${task.name}' (type '${task.kind.taskType}') has no in-process implementation; ` +
          'run it through an executor with its plugin registered (tflyte run, or withRunner(session.runner(), …))',
      );
    }
    return task.kind.execute(inputs);
  },
  runMap(task, elements, options) {
    return runMapByTask(inProcess, task, elements, options);
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
