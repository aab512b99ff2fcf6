/**
 * Specification of resuming a run by (runId, nodeId) with a new executor on the same state
 * directory: what was recorded decides whether it creates, re-attaches, answers, or refuses.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Backend, StateConflictError, TaskFailedError } from '@tflyte/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testAttemptContext } from './attempt-context.ts';
import { createInMemoryBackend, type InMemoryHandle, type ScriptStep } from './in-memory-backend.ts';
import { primitiveValues, testLiteralMap, testTaskTemplate } from './task-template.ts';
import { createTestExecutor, type TestExecutor, type TestExecutorOptions } from './test-executor.ts';

let stateDir: string;
const harnesses: TestExecutor[] = [];
/** A fresh executor on the shared state directory, as after a restart. */
async function restart(options: TestExecutorOptions): Promise<TestExecutor> {
  const h = await createTestExecutor({ ...options, stateDir });
  harnesses.push(h);
  return h;
}
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'tflyte-resume-'));
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
  await rm(stateDir, { recursive: true, force: true });
});

const template = testTaskTemplate({ outputs: { y: 'integer' }, retries: 1 });
const inputs = testLiteralMap({ x: 1n });
const ok: ScriptStep[] = [{ phase: 'RUNNING' }, { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 1n }) }];
const key = { runId: 'r', nodeId: 'n0', attempt: 0 };

describe('executor: resuming a run', () => {
  it('re-attaches to a recorded live attempt instead of creating it again', async () => {
    const backend = createInMemoryBackend({ script: ok });
    const first = await restart({ backends: { 'test-task': backend } });
    // An executor that died right after storing the handle.
    const handle = await backend.create(testAttemptContext({ template, inputs, generatedName: 'r-n0-0', idempotencyToken: 't0' }));
    first.store.insertAttempt({
      ...key,
      taskName: 'test.task',
      taskType: 'test-task',
      taskTypeVersion: 0,
      generatedName: 'r-n0-0',
      backend: 'in-memory',
      handleVersion: 1,
      createdAt: first.clock.now(),
    });
    first.store.updateAttempt(key, { handle, status: 'running' }, first.clock.now());

    const second = await restart({ backends: { 'test-task': backend } });
    expect(primitiveValues(await second.executor.run(template, inputs, { runId: 'r' }))).toEqual({ y: 1n });
    expect(backend.creates).toHaveLength(1);
    expect(second.eventTypes()).toEqual([
      'run-started',
      'attempt-reattached',
      'status-changed:RUNNING',
      'status-changed:SUCCEEDED',
      'succeeded',
    ]);
  });

  it('calls create again with the same idempotency token for an attempt whose create never returned', async () => {
    const backend = createInMemoryBackend({ script: ok });
    // The job reaches the backend, but the executor dies before create returns.
    const dying: Backend<InMemoryHandle> = {
      ...backend,
      create: async (ctx) => {
        await backend.create(ctx);
        return new Promise<never>(() => {});
      },
    };
    const first = await restart({ backends: { 'test-task': dying } });
    void first.executor.run(template, inputs, { runId: 'r' });
    while (backend.jobs.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(first.store.getAttempt(key)?.status).toBe('creating');

    const second = await restart({ backends: { 'test-task': backend } });
    expect(primitiveValues(await second.executor.run(template, inputs, { runId: 'r' }))).toEqual({ y: 1n });
    expect(backend.creates.map((c) => [c.attempt, c.reused])).toEqual([
      [0, false],
      [0, true],
    ]);
    expect(backend.jobs).toHaveLength(1);
  });

  it('answers a run that already succeeded from its stored outputs, without the backend', async () => {
    const backend = createInMemoryBackend({ script: ok });
    await (await restart({ backends: { 'test-task': backend } })).executor.run(template, inputs, { runId: 'r' });
    const calls = backend.calls.length;
    const again = await restart({ backends: { 'test-task': backend } });
    expect(primitiveValues(await again.executor.run(template, inputs, { runId: 'r' }))).toEqual({ y: 1n });
    expect(backend.calls).toHaveLength(calls);
  });

  it('counts failures recorded before the restart against the retry budgets', async () => {
    const failing: ScriptStep[] = [{ phase: 'RETRYABLE_FAILED', failure: { kind: 'user', retryable: true, code: 'E', message: 'e' } }];
    const backend = createInMemoryBackend({ script: failing });
    const first = await restart({ backends: { 'test-task': backend } });
    await expect(first.executor.run(template, inputs, { runId: 'r' })).rejects.toThrow(TaskFailedError);
    expect(backend.creates).toHaveLength(2);
    const again = await restart({ backends: { 'test-task': backend } });
    await expect(again.executor.run(template, inputs, { runId: 'r' })).rejects.toMatchObject({ attempts: 2, failure: { code: 'E' } });
    expect(backend.creates).toHaveLength(2);
  });

  it('refuses to re-attach with a backend whose handle version changed', async () => {
    const first = await restart({});
    first.store.insertAttempt({
      ...key,
      taskName: 'test.task',
      taskType: 'test-task',
      taskTypeVersion: 0,
      generatedName: 'r-n0-0',
      backend: 'in-memory',
      handleVersion: 1,
      createdAt: 0,
    });
    first.store.updateAttempt(key, { handle: { jobId: 'job-1' }, status: 'running' }, 0);
    const v2 = createInMemoryBackend({ script: ok, handleVersion: 2 });
    const second = await restart({ backends: { 'test-task': v2 } });
    const error = await second.executor.run(template, inputs, { runId: 'r' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateConflictError);
    expect((error as Error).message).toContain('(handle version 1)');
    expect(v2.calls).toEqual([]);
  });

  it('refuses a run id and node id that already ran another task', async () => {
    const backend = createInMemoryBackend({ script: ok });
    await (await restart({ backends: { 'test-task': backend } })).executor.run(template, inputs, { runId: 'r' });
    const other = testTaskTemplate({ name: 'other.task', outputs: { y: 'integer' } });
    const again = await restart({ backends: { 'test-task': backend } });
    await expect(again.executor.run(other, inputs, { runId: 'r' })).rejects.toThrow(/already ran task 'test.task'/);
  });
});
