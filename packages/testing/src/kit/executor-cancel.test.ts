/**
 * Specification of cancellation: aborting a run's signal deletes every job it started before
 * `run` rejects with CancelledError, whatever the run was doing.
 */
import { type Backend, CancelledError, type ExecutorEvent } from '@tflyte/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClock } from './fake-clock.ts';
import { createInMemoryBackend, type InMemoryHandle } from './in-memory-backend.ts';
import { testLiteralMap, testTaskTemplate } from './task-template.ts';
import { createTestExecutor, type TestExecutor, type TestExecutorOptions } from './test-executor.ts';

const harnesses: TestExecutor[] = [];
async function harness(options: TestExecutorOptions): Promise<TestExecutor> {
  const h = await createTestExecutor(options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const template = testTaskTemplate({ outputs: { y: 'integer' } });
const inputs = testLiteralMap({ x: 1n });

/** Aborts `controller` once an event of `type` has been seen. */
const abortOn = (controller: AbortController, type: ExecutorEvent['type']) => (event: ExecutorEvent) => {
  if (event.type === type) controller.abort(new Error('user pressed ctrl-c'));
};

describe('executor: cancellation', () => {
  it('deletes the live job and rejects with CancelledError when the signal aborts while polling', async () => {
    const backend = createInMemoryBackend({ script: [{ phase: 'QUEUED' }, { phase: 'RUNNING' }] });
    const h = await harness({ backends: { 'test-task': backend } });
    const controller = new AbortController();
    const error = await h.executor
      .run(template, inputs, { runId: 'r', signal: controller.signal, onEvent: abortOn(controller, 'status-changed') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error).toMatchObject({ code: 'TFLYTE_CANCELLED', task: 'test.task' });
    expect(backend.deletes.map((c) => c.jobId)).toEqual(['job-1']);
    expect(backend.liveJobs()).toEqual([]);
    expect(h.store.getAttempt({ runId: 'r', nodeId: 'n0', attempt: 0 })?.status).toBe('aborted');
    expect(h.eventTypes().at(-1)).toBe('cancelled');
    expect(h.eventTypes()).not.toContain('attempt-failed');
  });

  it('stops watching and deletes the job when the backend pushes status', async () => {
    const backend = createInMemoryBackend({ script: [{ phase: 'RUNNING' }], watch: true });
    const h = await harness({ backends: { 'test-task': backend } });
    const controller = new AbortController();
    await expect(
      h.executor.run(template, inputs, { signal: controller.signal, onEvent: abortOn(controller, 'status-changed') }),
    ).rejects.toThrow(CancelledError);
    expect(backend.deletes).toHaveLength(1);
    expect(backend.liveJobs()).toEqual([]);
  });

  it('waits for a create in flight to return and deletes the job it made, so nothing leaks', async () => {
    const inner = createInMemoryBackend({ script: [{ phase: 'RUNNING' }] });
    const controller = new AbortController();
    const backend: Backend<InMemoryHandle> = {
      ...inner,
      create: async (ctx) => {
        controller.abort();
        // The remote side accepted the job even though the caller gave up meanwhile.
        return inner.create(ctx);
      },
    };
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.run(template, inputs, { signal: controller.signal })).rejects.toThrow(CancelledError);
    expect(inner.jobs).toHaveLength(1);
    expect(inner.deletes.map((c) => c.jobId)).toEqual(['job-1']);
    expect(inner.liveJobs()).toEqual([]);
  });

  it('creates nothing when the signal is already aborted', async () => {
    const backend = createInMemoryBackend({ script: [{ phase: 'RUNNING' }] });
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.run(template, inputs, { signal: AbortSignal.abort() })).rejects.toThrow(CancelledError);
    expect(backend.calls).toEqual([]);
  });

  it('cancels during a retry without leaving the new job behind', async () => {
    const backend = createInMemoryBackend({
      script: (_ctx, index) =>
        index === 0 ? [{ phase: 'FAILED', failure: { kind: 'system', retryable: true, code: 'X', message: 'x' } }] : [{ phase: 'RUNNING' }],
    });
    const h = await harness({ backends: { 'test-task': backend } });
    const controller = new AbortController();
    const onEvent = (e: ExecutorEvent): void => {
      if (e.type === 'status-changed' && e.attempt === 1) controller.abort();
    };
    await expect(h.executor.run(template, inputs, { signal: controller.signal, onEvent })).rejects.toThrow(CancelledError);
    expect(backend.creates).toHaveLength(2);
    expect(backend.deletes.map((c) => c.jobId)).toEqual(['job-2']);
    expect(backend.liveJobs()).toEqual([]);
  });

  it('says the job may still be running when delete fails, keeping the cause', async () => {
    const backend = createInMemoryBackend({ script: { steps: [{ phase: 'RUNNING' }], deleteThrows: new Error('403 forbidden') } });
    const h = await harness({ backends: { 'test-task': backend } });
    const controller = new AbortController();
    const error = await h.executor
      .run(template, inputs, { runId: 'r', signal: controller.signal, onEvent: abortOn(controller, 'status-changed') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).message).toContain('could not be deleted and may still be running');
    expect((error as Error).cause).toMatchObject({ message: '403 forbidden' });
    expect(h.events.find((e) => e.type === 'cleanup-failed')).toMatchObject({ message: '403 forbidden' });
    // Still recorded as running, so a later run with the same id re-attaches to it.
    expect(h.store.getAttempt({ runId: 'r', nodeId: 'n0', attempt: 0 })?.status).toBe('running');
  });

  it('stops waiting for another run of the same cached task', async () => {
    const clock = createFakeClock({ autoAdvance: true });
    const backend = createInMemoryBackend({ script: [{ phase: 'RUNNING' }] });
    const h = await harness({ clock, backends: { 'test-task': backend } });
    const cached = testTaskTemplate({ outputs: { y: 'integer' }, cache: { version: '1', serializable: true } });
    const owner = new AbortController();
    const waiter = new AbortController();
    const first = h.executor.run(cached, inputs, { signal: owner.signal });
    const second = h.executor.run(cached, inputs, { signal: waiter.signal, onEvent: abortOn(waiter, 'cache-wait') });
    await expect(second).rejects.toThrow(CancelledError);
    owner.abort();
    await expect(first).rejects.toThrow(CancelledError);
    expect(backend.creates).toHaveLength(1);
    expect(backend.liveJobs()).toEqual([]);
  });
});
