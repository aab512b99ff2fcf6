/**
 * Specification of backends with `do` (Flyte's SyncPlugin): the executor calls `do` instead of
 * create → get/watch → delete, with no handle and no polling, and keeps everything else — attempt
 * records, retry budgets, timeouts, cancellation, events, the cache and output checks.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import {
  type AttemptContext,
  BackendError,
  CancelledError,
  createFileStore,
  type FailureInfo,
  StateConflictError,
  type SyncBackend,
  TaskFailedError,
  type TaskStatus,
  TaskTimeoutError,
} from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { afterEach, describe, expect, it } from 'vitest';
import { primitiveValues, type TestTaskOptions, testLiteralMap, testTaskTemplate } from './task-template.ts';
import { createTestExecutor, type TestExecutor, type TestExecutorOptions } from './test-executor.ts';

const harnesses: TestExecutor[] = [];
const dirs: string[] = [];
async function harness(options: TestExecutorOptions): Promise<TestExecutor> {
  const h = await createTestExecutor(options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const inputs = testLiteralMap({ x: 1n });
const task = (options: TestTaskOptions = {}) => testTaskTemplate({ inputs: { x: 'integer' }, outputs: { y: 'integer' }, ...options });
const succeeded = (y: bigint): TaskStatus => ({ phase: TaskExecution_Phase.SUCCEEDED, outputs: testLiteralMap({ y }) });
const failed = (failure: FailureInfo): TaskStatus => ({
  phase: failure.retryable ? TaskExecution_Phase.RETRYABLE_FAILED : TaskExecution_Phase.FAILED,
  failure,
});
const userRetryable: FailureInfo = { kind: 'user', retryable: true, code: 'USER:Flaky', message: 'flaky' };

interface RecordingSyncBackend extends SyncBackend {
  /** The context of every `do` call, in order. */
  readonly calls: AttemptContext[];
}

/** A backend whose attempts run within `do`, answering call i (0, 1, …) with `answer(ctx, i)`. */
function syncBackend(
  answer: (ctx: AttemptContext, call: number) => Promise<TaskStatus>,
  options: { inProcess?: boolean } = {},
): RecordingSyncBackend {
  const calls: AttemptContext[] = [];
  return {
    name: 'sync',
    ...(options.inProcess === true && { inProcess: true }),
    calls,
    do: (ctx) => {
      calls.push(ctx);
      return answer(ctx, calls.length - 1);
    },
  };
}

/** Settles only when the attempt's signal aborts, with the abort reason. */
const untilAborted = (ctx: AttemptContext): Promise<TaskStatus> =>
  new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));

describe('executor: a backend with do', () => {
  it('runs each attempt with one do call, never create, get or delete, and reports it as events', async () => {
    const backend = syncBackend(async () => succeeded(2n));
    const h = await harness({ backends: { 'test-task': backend } });
    expect(primitiveValues(await h.executor.run(task(), inputs, { runId: 'r1', nodeId: 'load' }))).toEqual({ y: 2n });
    expect(backend.calls).toHaveLength(1);
    expect(h.eventTypes()).toEqual(['run-started', 'attempt-started', 'status-changed:SUCCEEDED', 'succeeded']);
    expect(h.events[1]).toMatchObject({
      type: 'attempt-started',
      attempt: 0,
      generatedName: 'r1-load-0',
      backend: 'sync',
      interruptible: false,
    });
  });

  it("gives do the attempt's generated name, stable idempotency token and locations, with inputs.pb beside the attempt and its outputs in the state store", async () => {
    const backend = syncBackend(async () => succeeded(3n));
    const h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(task(), inputs, { runId: 'nightly', nodeId: 'load' });
    const ctx = backend.calls[0]!;
    expect(ctx).toMatchObject({ generatedName: 'nightly-load-0', attempt: 0, interruptible: false });
    expect(ctx.idempotencyToken).toMatch(/^[0-9a-f]{64}$/);
    expect(ctx.outputPrefix).toBe(new URL(`file://${h.stateDir}/runs/nightly/load/0`).href);
    expect(ctx.inputsUri).toBe(`${ctx.outputPrefix}/inputs.pb`);
    expect(ctx.rawOutputPrefix).toBe(`${ctx.outputPrefix}/raw`);
    const files = createFileStore();
    expect(fromBinary(LiteralMapSchema, (await files.get(ctx.inputsUri))!)).toEqual(inputs);
    expect(primitiveValues(fromBinary(LiteralMapSchema, h.store.getDocument('nightly', 'load', '0/outputs.pb')!))).toEqual({ y: 3n });
    expect(await files.get(`${ctx.outputPrefix}/outputs.pb`)).toBeUndefined();
  });

  it('records the attempt without a handle: creating while do runs, then how it ended', async () => {
    let release: (status: TaskStatus) => void = () => {};
    const backend = syncBackend(() => new Promise((resolve) => (release = resolve)));
    const h = await harness({ backends: { 'test-task': backend } });
    const run = h.executor.run(task(), inputs, { runId: 'r' });
    while (backend.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(h.store.getAttempt({ runId: 'r', nodeId: 'n0', attempt: 0 })).toMatchObject({
      status: 'creating',
      handle: undefined,
      backend: 'sync',
    });
    release(succeeded(1n));
    await run;
    expect(h.store.listAttempts('r', 'n0')).toMatchObject([
      { attempt: 0, status: 'succeeded', phase: TaskExecution_Phase.SUCCEEDED, handle: undefined },
    ]);
  });

  it('keeps the attempts of an in-process backend in memory, as for create → watch ones', async () => {
    const backend = syncBackend(async () => succeeded(1n), { inProcess: true });
    const h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(task(), inputs, { runId: 'r' });
    expect(h.store.listAttempts('r', 'n0')).toEqual([]);
    expect(await createFileStore().get(`${backend.calls[0]!.outputPrefix}/outputs.pb`)).toBeUndefined();
  });

  it('calls do again for an attempt a killed executor left creating, with the same idempotency token', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'tflyte-sync-'));
    dirs.push(stateDir);
    // The executor is killed while do runs: it never returns.
    const killed = syncBackend(() => new Promise<never>(() => {}));
    const first = await harness({ stateDir, backends: { 'test-task': killed } });
    void first.executor.run(task(), inputs, { runId: 'r' });
    while (killed.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(first.store.getAttempt({ runId: 'r', nodeId: 'n0', attempt: 0 })?.status).toBe('creating');

    const backend = syncBackend(async () => succeeded(4n));
    const second = await harness({ stateDir, backends: { 'test-task': backend } });
    expect(primitiveValues(await second.executor.run(task(), inputs, { runId: 'r' }))).toEqual({ y: 4n });
    expect(backend.calls.map((c) => [c.attempt, c.idempotencyToken])).toEqual([[0, killed.calls[0]!.idempotencyToken]]);
    expect(second.store.listAttempts('r', 'n0')).toMatchObject([{ attempt: 0, status: 'succeeded' }]);
  });

  it('refuses to resume an attempt that an async backend of the same name recorded with a handle', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'tflyte-sync-'));
    dirs.push(stateDir);
    const first = await harness({ stateDir });
    const key = { runId: 'r', nodeId: 'n0', attempt: 0 };
    first.store.insertAttempt({
      ...key,
      taskName: 'test.task',
      taskType: 'test-task',
      taskTypeVersion: 0,
      generatedName: 'r-n0-0',
      backend: 'sync',
      handleVersion: 1,
      createdAt: 0,
    });
    first.store.updateAttempt(key, { handle: { job: 'j' }, status: 'running' }, 0);
    const second = await harness({ stateDir, backends: { 'test-task': syncBackend(async () => succeeded(0n)) } });
    await expect(second.executor.run(task(), inputs, { runId: 'r' })).rejects.toThrow(StateConflictError);
  });
});

describe('executor: retries on a backend with do', () => {
  it('spends the task retries on USER failures and the system budget on SYSTEM ones', async () => {
    const backend = syncBackend(async (_ctx, call) =>
      call === 0
        ? failed({ kind: 'system', retryable: true, code: 'Preempted', message: 'p' })
        : call === 1
          ? failed(userRetryable)
          : succeeded(1n),
    );
    const h = await harness({ backends: { 'test-task': backend }, systemRetries: 1 });
    expect(primitiveValues(await h.executor.run(task({ retries: 1 }), inputs))).toEqual({ y: 1n });
    expect(backend.calls.map((c) => c.attempt)).toEqual([0, 1, 2]);
    expect(h.events.filter((e) => e.type === 'retry-scheduled')).toMatchObject([
      { nextAttempt: 1, kind: 'system', userRetriesLeft: 1, systemRetriesLeft: 0 },
      { nextAttempt: 2, kind: 'user', userRetriesLeft: 0, systemRetriesLeft: 0 },
    ]);
  });

  it('fails with TaskFailedError once the retries are spent', async () => {
    const backend = syncBackend(async () => failed(userRetryable));
    const h = await harness({ backends: { 'test-task': backend } });
    const error = await h.executor.run(task({ retries: 2 }), inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ attempts: 3, failure: { kind: 'user', code: 'USER:Flaky' } });
    expect(h.eventTypes().at(-1)).toBe('failed');
  });

  it('takes kind and retryability from a BackendError thrown by do, and treats other errors as retryable SYSTEM failures', async () => {
    const permanent = new BackendError({ kind: 'user', retryable: false, code: 'BadQuery', message: 'syntax error' });
    const rejects = syncBackend(async () => {
      throw permanent;
    });
    const h = await harness({ backends: { 'test-task': rejects } });
    await expect(h.executor.run(task({ retries: 3 }), inputs)).rejects.toMatchObject({
      attempts: 1,
      failure: { kind: 'user', code: 'BadQuery' },
    });

    const flaky = syncBackend(async (_ctx, call) => {
      if (call === 0) throw new TypeError('socket hang up');
      return succeeded(1n);
    });
    const h2 = await harness({ backends: { 'test-task': flaky } });
    await h2.executor.run(task(), inputs);
    expect(h2.events.find((e) => e.type === 'attempt-failed')).toMatchObject({ kind: 'system', code: 'BackendException', retryable: true });
  });

  it('fails permanently when do returns a live phase', async () => {
    const backend = syncBackend(async () => ({ phase: TaskExecution_Phase.RUNNING }));
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.run(task({ retries: 3 }), inputs)).rejects.toMatchObject({
      attempts: 1,
      failure: { kind: 'system', code: 'NotTerminal', retryable: false },
    });
  });

  it('checks the outputs against the interface', async () => {
    const backend = syncBackend(async () => ({ phase: TaskExecution_Phase.SUCCEEDED, outputs: testLiteralMap({ z: 1n }) }));
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.run(task({ retries: 3 }), inputs)).rejects.toMatchObject({ attempts: 1, failure: { code: 'OutputsInvalid' } });
  });
});

describe('executor: timeouts and cancellation on a backend with do', () => {
  it("aborts the attempt's signal at the timeout and counts it as a retryable USER failure", async () => {
    const backend = syncBackend(untilAborted);
    const h = await harness({ backends: { 'test-task': backend } });
    const error = await h.executor.run(task({ timeoutMs: 5000, retries: 1 }), inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 5000, attempts: 2 });
    expect(backend.calls.map((c) => c.signal.aborted)).toEqual([true, true]);
    expect(backend.calls[0]!.signal.reason).toBeInstanceOf(TaskTimeoutError);
    expect(h.events.filter((e) => e.type === 'timed-out')).toMatchObject([
      { attempt: 0, timeoutMs: 5000 },
      { attempt: 1, timeoutMs: 5000 },
    ]);
    expect(h.events.find((e) => e.type === 'attempt-failed')).toMatchObject({ kind: 'user', code: 'TaskTimeout', retryable: true });
  });

  it('stops waiting at the timeout even for a job that ignores the signal', async () => {
    const backend = syncBackend(async (_ctx, call) => (call === 0 ? new Promise<never>(() => {}) : succeeded(1n)));
    const h = await harness({ backends: { 'test-task': backend } });
    expect(primitiveValues(await h.executor.run(task({ timeoutMs: 30_000, retries: 1 }), inputs))).toEqual({ y: 1n });
    expect(h.eventTypes().filter((t) => t === 'timed-out')).toHaveLength(1);
  });

  it('does not time out a job that finishes in time', async () => {
    const backend = syncBackend(async () => succeeded(1n));
    const h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(task({ timeoutMs: 60_000 }), inputs);
    expect(backend.calls[0]!.signal.reason).not.toBeInstanceOf(TaskTimeoutError);
    expect(h.eventTypes()).not.toContain('timed-out');
  });

  it("aborts the attempt's signal on cancellation and rejects with CancelledError", async () => {
    const backend = syncBackend(untilAborted);
    const h = await harness({ backends: { 'test-task': backend } });
    const controller = new AbortController();
    const run = h.executor.run(task(), inputs, {
      runId: 'r',
      signal: controller.signal,
      onEvent: (e) => e.type === 'attempt-started' && queueMicrotask(() => controller.abort(new Error('ctrl-c'))),
    });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(backend.calls[0]!.signal.reason).toMatchObject({ message: 'ctrl-c' });
    expect(h.store.getAttempt({ runId: 'r', nodeId: 'n0', attempt: 0 })?.status).toBe('aborted');
    expect(h.eventTypes().at(-1)).toBe('cancelled');
    expect(h.eventTypes()).not.toContain('attempt-failed');
  });

  it('calls nothing when the signal is already aborted', async () => {
    const backend = syncBackend(async () => succeeded(1n));
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.run(task(), inputs, { signal: AbortSignal.abort() })).rejects.toThrow(CancelledError);
    expect(backend.calls).toEqual([]);
  });
});

describe('executor: the cache with a backend with do', () => {
  it('answers the same inputs from the cache without calling do again', async () => {
    const backend = syncBackend(async (_ctx, call) => succeeded(BigInt(10 * (call + 1))));
    const h = await harness({ backends: { 'test-task': backend } });
    const cached = task({ cache: { version: '1' } });
    expect(primitiveValues(await h.executor.run(cached, inputs))).toEqual({ y: 10n });
    expect(primitiveValues(await h.executor.run(cached, inputs))).toEqual({ y: 10n });
    expect(primitiveValues(await h.executor.run(cached, testLiteralMap({ x: 2n })))).toEqual({ y: 20n });
    expect(backend.calls).toHaveLength(2);
    expect(h.events.flatMap((e) => (e.type === 'succeeded' ? [e.fromCache] : []))).toEqual([false, true, false]);
  });

  it('runs concurrent identical calls of a serializable task once', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const backend = syncBackend(async () => {
      await gate;
      return succeeded(7n);
    });
    const h = await harness({ backends: { 'test-task': backend } });
    const cached = task({ cache: { version: '1', serializable: true } });
    const runs = Array.from({ length: 4 }, (_, i) => h.executor.run(cached, inputs, { runId: `r${i}` }));
    while (backend.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    release();
    expect((await Promise.all(runs)).map((outputs) => primitiveValues(outputs))).toEqual(Array(4).fill({ y: 7n }));
    expect(backend.calls).toHaveLength(1);
  });
});
