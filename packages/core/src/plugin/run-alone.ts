/**
 * A direct call of a body-less task (a query, a container, a pod job) outside any run — as calling a
 * flytekit ContainerTask locally runs it: the task goes through the one executor, with its retries,
 * timeout and failure classification, on its plugin's default backend, over a state store in memory.
 * Nothing re-attaches to a direct call, so its attempt files go with it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { createExecutor } from '../executor/executor.ts';
import { toTaskTemplate } from '../serialize/task-template.ts';
import { createMemoryStateStore } from '../store/memory-store.ts';
import type { TaskDefinition } from '../task/define-task.ts';
import type { Backend } from './contract.ts';

export async function runAlone(task: TaskDefinition, inputs: LiteralMap, backend: Backend): Promise<LiteralMap> {
  const id = randomBytes(6).toString('hex');
  const stateDir = await mkdtemp(join(tmpdir(), 'tflyte-direct-'));
  const store = createMemoryStateStore();
  const executor = createExecutor({
    store,
    stateDir,
    backends: { [task.kind.taskType]: backend },
    // Outside the attempt directory: files and directories the task returns outlive the call.
    rawOutputPrefix: pathToFileURL(join(tmpdir(), 'tflyte-direct-outputs', id)).href,
  });
  try {
    return await executor.run(toTaskTemplate(task, { version: 'local' }), inputs, { runId: `local-${id}` });
  } finally {
    store.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}
