/**
 * Tasks defined in this process, by Flyte name. The in-process function backend finds a task's
 * code here from nothing but its TaskTemplate; the container entrypoint fills it by importing the
 * task's module.
 */
import type { TaskDefinition } from './define-task.ts';

const byName = new Map<string, TaskDefinition>();

export function rememberTask(task: TaskDefinition): void {
  byName.set(task.name, task);
}

export function loadedTask(name: string): TaskDefinition | undefined {
  return byName.get(name);
}
