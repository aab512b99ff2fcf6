/**
 * A direct call of a container task (outside any session), like calling a flytekit ContainerTask
 * locally: the task runs through the one executor — with its retries, timeout and failure
 * classification — over a state store in memory, in a real container through the same backend.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Backend, type Task, type TaskDefinition, createExecutor, createMemoryStateStore, toTaskTemplate } from '@tflyte/core';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { containerBackend } from './container-backend.ts';
import { RAW_CONTAINER_TASK_TYPE } from './task-type.ts';

let shared: Backend | undefined;

export async function runInProcess(task: TaskDefinition, inputs: LiteralMap): Promise<LiteralMap> {
  shared ??= containerBackend();
  const id = randomBytes(6).toString('hex');
  // inputs.pb and the attempt files; nothing re-attaches to a direct call, so they go with it.
  const stateDir = await mkdtemp(join(tmpdir(), 'tflyte-container-direct-'));
  const store = createMemoryStateStore();
  const executor = createExecutor({
    store,
    stateDir,
    backends: { [RAW_CONTAINER_TASK_TYPE]: shared },
    // Written only when the task returns files or directories; the caller owns what is left there.
    rawOutputPrefix: pathToFileURL(join(tmpdir(), 'tflyte-container-outputs', id)).href,
  });
  try {
    return await executor.run(toTaskTemplate(task, { version: 'local' }), inputs, { runId: `local-${id}` });
  } finally {
    store.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/**
 * Gives a task the in-process implementation its direct calls use. definePlugin offers no hook for
 * a body-less task to be called directly, so the kind it built is completed here.
 * (Should move to @tflyte/core: definePlugin giving every body-less task this path with its plugin's backend.)
 */
export function runDirectly(task: Task, run: (task: TaskDefinition, inputs: LiteralMap) => Promise<LiteralMap>): void {
  (task.kind as { execute?: (inputs: LiteralMap) => Promise<LiteralMap> }).execute = (inputs) => run(task, inputs);
}
