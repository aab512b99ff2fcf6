/**
 * Routes task calls to an executor: each call becomes one node of the run (`n0`, `n1`, … in call
 * order, so a resumed run maps its calls to the same nodes), with the task's TaskTemplate built once.
 * A map task is one node too, run as an array: its element i is sub-node `<node>-<i>`.
 */
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import type { ExecutorEventListener } from '../executor/events.ts';
import type { Executor } from '../executor/executor.ts';
import { toTaskTemplate } from '../serialize/task-template.ts';
import type { TaskDefinition } from '../task/define-task.ts';
import type { TaskRunner } from '../task/run-context.ts';

export interface ExecutorRunnerOptions {
  readonly runId?: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: ExecutorEventListener;
  /** Image for tasks that set none; only backends that start containers read it. */
  readonly image?: string;
}

/** The image recorded in templates of local runs when no image is configured. */
export const LOCAL_IMAGE = 'tflyte-local';

export function executorRunner(executor: Executor, options: ExecutorRunnerOptions = {}): TaskRunner {
  const templates = new WeakMap<TaskDefinition, TaskTemplate>();
  const templateOf = (task: TaskDefinition): TaskTemplate => {
    let template = templates.get(task);
    if (template === undefined) {
      template = toTaskTemplate(task, { image: options.image ?? LOCAL_IMAGE });
      templates.set(task, template);
    }
    return template;
  };
  let nextNode = 0;
  const shared = {
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  };
  return {
    runTask(task, inputs) {
      return executor.run(templateOf(task), inputs, { nodeId: `n${nextNode++}`, ...shared });
    },
    runMap(task, elements, { concurrency, minSuccesses, onResult }) {
      return executor.runArray(templateOf(task), elements, {
        nodeId: `n${nextNode++}`,
        concurrency,
        minSuccesses,
        ...(onResult === undefined ? {} : { onResult }),
        ...shared,
      });
    },
  };
}
