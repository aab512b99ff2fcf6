/**
 * Loads a user's module and finds a task or workflow in it by export name or task name.
 * TypeScript modules load directly: Node 24 strips types, so there is no build step.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Task, TflyteError, isTask } from '@tflyte/core';
import { UsageError } from './usage-error.ts';

export interface LoadedModule {
  readonly path: string;
  /** Export name → task, in export order. */
  readonly tasks: ReadonlyMap<string, Task>;
}

export async function loadModule(file: string, cwd: string): Promise<LoadedModule> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    // A task option or schema error raised while the module defines its tasks is the user's to fix.
    if (error instanceof TflyteError) throw error;
    throw new UsageError(`could not load ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const tasks = new Map<string, Task>();
  for (const [name, value] of Object.entries(exports)) if (isTask(value)) tasks.set(name, value);
  return { path, tasks };
}

export function findEntity(module: LoadedModule, file: string, name: string): Task {
  const direct = module.tasks.get(name);
  if (direct) return direct;
  for (const task of module.tasks.values()) if (task.shortName === name || task.name === name) return task;
  const available = [...module.tasks.keys()];
  throw new UsageError(
    `no task or workflow '${name}' in ${file}; ${available.length ? `it exports: ${available.join(', ')}` : 'it exports no tasks'}`,
  );
}
