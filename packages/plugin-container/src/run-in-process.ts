/**
 * A direct call of a container task (outside any executor), like calling a flytekit ContainerTask
 * locally: one attempt in a real container through the same backend, no retries or timeout.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { type AttemptContext, type TaskDefinition, TaskFailedError, type TaskStatus, toTaskTemplate } from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { type LiteralMap, LiteralMapSchema } from '@tflyte/idl/core/literals';
import { type ContainerBackend, containerBackend } from './container-backend.ts';

let shared: ContainerBackend | undefined;

export async function runInProcess(task: TaskDefinition, inputs: LiteralMap): Promise<LiteralMap> {
  shared ??= containerBackend();
  const backend = shared;
  const id = randomBytes(6).toString('hex');
  const stop = new AbortController();
  const ctx: AttemptContext = {
    template: toTaskTemplate(task, { version: 'local' }),
    inputs,
    generatedName: `local-${id}`,
    idempotencyToken: randomUUID(),
    attempt: 0,
    inputsUri: '',
    outputPrefix: '',
    // Created only when the task returns files or directories; the caller owns what is left there.
    rawOutputPrefix: pathToFileURL(join(tmpdir(), 'tflyte-container-outputs', id)).href,
    interruptible: false,
    signal: stop.signal,
  };
  const handle = await backend.create(ctx);
  let status: TaskStatus;
  try {
    status = await new Promise<TaskStatus>((resolve, reject) => {
      try {
        backend.watch(handle, ctx, (s) => s.phase !== TaskExecution_Phase.RUNNING && resolve(s), stop.signal);
      } catch (error) {
        reject(error);
      }
    });
  } finally {
    stop.abort();
    await backend.delete(handle, ctx);
  }
  if (status.phase === TaskExecution_Phase.SUCCEEDED) return status.outputs ?? create(LiteralMapSchema);
  const failure = status.failure ?? { kind: 'user', retryable: false, code: 'Unknown', message: status.message ?? 'the container failed' };
  throw new TaskFailedError({ task: task.name, ...failure, attempts: 1 });
}
