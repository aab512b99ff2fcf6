/**
 * The container target of a function task: Flyte's entrypoint convention (the same flags and
 * template placeholders as pyflyte-execute, which propeller fills in) with our own entrypoint,
 * `tflyte execute`, which loads the task by module and name.
 */
import type { TaskDefinition } from '../task/define-task.ts';

export const ENTRYPOINT = ['tflyte', 'execute'] as const;
const DEFAULT_RESOLVER = 'tflyte.default_task_resolver';

export function entrypointArgs(task: Pick<TaskDefinition, 'site' | 'shortName'>): string[] {
  return [
    ...ENTRYPOINT,
    '--inputs',
    '{{.input}}',
    '--output-prefix',
    '{{.outputPrefix}}',
    '--raw-output-data-prefix',
    '{{.rawOutputDataPrefix}}',
    '--checkpoint-path',
    '{{.checkpointOutputPrefix}}',
    '--prev-checkpoint',
    '{{.prevCheckpointPrefix}}',
    '--resolver',
    DEFAULT_RESOLVER,
    '--',
    'task-module',
    task.site.module,
    'task-name',
    task.shortName,
  ];
}
