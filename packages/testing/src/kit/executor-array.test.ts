/**
 * Specification of array runs (Flyte's ArrayNode): one task over many inputs, each element a
 * sub-node `<nodeId>-<i>` with its own attempts, retries, cache lookup and events, at most
 * `concurrency` in flight, and no new element once failures make `minSuccesses` unreachable.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttemptContext,
  CancelledError,
  createRegistry,
  definePlugin,
  InvalidOptionError,
  PluginNotFoundError,
  type PluginRegistry,
  type SyncBackend,
  type TaskStatus,
} from '@tflyte/core';
import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { afterEach, describe, expect, it } from 'vitest';
import { createInMemoryBackend } from './in-memory-backend.ts';
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

const task = (options: TestTaskOptions = {}) => testTaskTemplate({ inputs: { x: 'integer' }, outputs: { y: 'integer' }, ...options });
const elements = (...xs: number[]): LiteralMap[] => xs.map((x) => testLiteralMap({ x: BigInt(x) }));
const xOf = (ctx: AttemptContext): number => Number(primitiveValues(ctx.inputs)['x']);
const doubled = (ctx: AttemptContext): TaskStatus => ({
  phase: TaskExecution_Phase.SUCCEEDED,
  outputs: testLiteralMap({ y: BigInt(2 * xOf(ctx)) }),
});
const userFailure = (message: string): TaskStatus => ({
  phase: TaskExecution_Phase.RETRYABLE_FAILED,
  failure: { kind: 'user', retryable: true, code: 'USER:Error', message },
});
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A backend with `do`, recording each call's context. */
function syncBackend(
  run: (ctx: AttemptContext) => Promise<TaskStatus>,
  options: { inProcess?: boolean } = {},
): SyncBackend & { readonly calls: AttemptContext[] } {
  const calls: AttemptContext[] = [];
  return {
    name: 'sync',
    ...(options.inProcess === true && { inProcess: true }),
    calls,
    do: (ctx) => {
      calls.push(ctx);
      return run(ctx);
    },
  };
}

/** Each element's `y`, the end of its error message, or `skipped`. */
const outputsOf = (results: Awaited<ReturnType<TestExecutor['executor']['runArray']>>) =>
  results.map((r) => (r.ok ? primitiveValues(r.outputs)['y'] : r.skipped ? 'skipped' : (r.error as Error).message.split(': ').at(-1)));

describe('executor.runArray', () => {
  it('runs every element as sub-node <nodeId>-<i> and resolves with their outputs in order', async () => {
    const backend = syncBackend(async (ctx) => doubled(ctx));
    const h = await harness({ backends: { 'test-task': backend } });
    const results = await h.executor.runArray(task(), elements(1, 2, 3), { runId: 'r', nodeId: 'n4', concurrency: 2, minSuccesses: 3 });
    expect(outputsOf(results)).toEqual([2n, 4n, 6n]);
    expect(backend.calls.map((c) => c.generatedName).sort()).toEqual(['r-n4-0-0', 'r-n4-1-0', 'r-n4-2-0']);
    expect(new Set(h.events.map((e) => e.nodeId))).toEqual(new Set(['n4-0', 'n4-1', 'n4-2']));
    expect(h.events.filter((e) => e.nodeId === 'n4-1').map((e) => e.type)).toEqual([
      'run-started',
      'attempt-started',
      'status-changed',
      'succeeded',
    ]);
    expect(h.store.listAttempts('r', 'n4-2')).toMatchObject([{ attempt: 0, status: 'succeeded' }]);
  });

  it('never has more elements in flight than its concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    // In-process, so that nothing but these ticks separates one element from the next.
    const backend = syncBackend(
      async (ctx) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        for (let i = 0; i < 3; i++) await tick();
        inFlight -= 1;
        return doubled(ctx);
      },
      { inProcess: true },
    );
    const h = await harness({ backends: { 'test-task': backend } });
    const xs = Array.from({ length: 20 }, (_, i) => i);
    const results = await h.executor.runArray(task(), elements(...xs), { concurrency: 3, minSuccesses: 20 });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(peak).toBe(3);
  });

  it('starts no element once failures make minSuccesses unreachable, and marks those skipped', async () => {
    const backend = syncBackend(async (ctx) => (xOf(ctx) % 2 === 0 ? userFailure(`no ${xOf(ctx)}`) : doubled(ctx)));
    const h = await harness({ backends: { 'test-task': backend } });
    const results = await h.executor.runArray(task(), elements(1, 2, 3, 4, 5, 6), { concurrency: 1, minSuccesses: 5 });
    expect(outputsOf(results)).toEqual([2n, 'no 2', 6n, 'no 4', 'skipped', 'skipped']);
    expect(backend.calls.map(xOf)).toEqual([1, 2, 3, 4]);
    const skipped = results[4]!;
    expect(!skipped.ok && skipped.error).toBeInstanceOf(CancelledError);
    expect(!skipped.ok && (skipped.error as Error).message).toMatch(/not started: 2 of 6 elements failed, so 5 could no longer succeed/);
  });

  it('gives each element its own retries', async () => {
    const failedOnce = new Set<number>();
    const backend = syncBackend(async (ctx) => {
      if (xOf(ctx) === 2 && !failedOnce.has(2)) {
        failedOnce.add(2);
        return userFailure('flaky');
      }
      return doubled(ctx);
    });
    const h = await harness({ backends: { 'test-task': backend } });
    const results = await h.executor.runArray(task({ retries: 1 }), elements(1, 2, 3), { runId: 'r', concurrency: 3, minSuccesses: 3 });
    expect(outputsOf(results)).toEqual([2n, 4n, 6n]);
    expect(backend.calls.map((c) => c.generatedName).sort()).toEqual(['r-n0-0-0', 'r-n0-1-0', 'r-n0-1-1', 'r-n0-2-0']);
    expect(h.events.filter((e) => e.type === 'retry-scheduled')).toMatchObject([{ nodeId: 'n0-1', nextAttempt: 1 }]);
  });

  it('reports a failed element with the error run would have rejected with', async () => {
    const backend = syncBackend(async (ctx) => (xOf(ctx) === 2 ? userFailure('bad row') : doubled(ctx)));
    const h = await harness({ backends: { 'test-task': backend } });
    const results = await h.executor.runArray(task(), elements(1, 2), { concurrency: 2, minSuccesses: 1 });
    expect(results[1]).toMatchObject({
      ok: false,
      skipped: false,
      error: { code: 'TFLYTE_TASK_FAILED', attempts: 1, failure: { code: 'USER:Error' } },
    });
  });

  it('looks each element up in the cache on its own', async () => {
    const backend = syncBackend(async (ctx) => doubled(ctx));
    const h = await harness({ backends: { 'test-task': backend } });
    const cached = task({ cache: { version: '1' } });
    await h.executor.runArray(cached, elements(1, 2), { concurrency: 2, minSuccesses: 2 });
    const results = await h.executor.runArray(cached, elements(2, 3, 1), { concurrency: 2, minSuccesses: 3 });
    expect(outputsOf(results)).toEqual([4n, 6n, 2n]);
    expect(backend.calls.map(xOf).sort()).toEqual([1, 2, 3]);
    expect(h.events.filter((e) => e.type === 'cache-hit')).toHaveLength(2);
  });

  it('resumes with the same runId and nodeId: finished elements answer from their stored outputs', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'tflyte-array-'));
    dirs.push(stateDir);
    const first = syncBackend(async (ctx) => (xOf(ctx) === 3 ? userFailure('down') : doubled(ctx)));
    await (await harness({ stateDir, backends: { 'test-task': first } })).executor.runArray(task(), elements(1, 2, 3), {
      runId: 'r',
      concurrency: 1,
      minSuccesses: 0,
    });
    const second = syncBackend(async (ctx) => doubled(ctx));
    const again = await harness({ stateDir, backends: { 'test-task': second } });
    const results = await again.executor.runArray(task({ retries: 1 }), elements(1, 2, 3), { runId: 'r', concurrency: 1, minSuccesses: 3 });
    expect(outputsOf(results)).toEqual([2n, 4n, 6n]);
    expect(second.calls.map((c) => [xOf(c), c.attempt])).toEqual([[3, 1]]);
  });

  it('drives create → poll backends the same way, one persisted handle per element', async () => {
    const backend = createInMemoryBackend({ script: (ctx) => [{ phase: 'RUNNING' }, doubled(ctx) as never] });
    const h = await harness({ backends: { 'test-task': backend } });
    const results = await h.executor.runArray(task(), elements(1, 2), { runId: 'r', concurrency: 2, minSuccesses: 2 });
    expect(outputsOf(results)).toEqual([2n, 4n]);
    expect(backend.creates.map((c) => c.generatedName).sort()).toEqual(['r-n0-0-0', 'r-n0-1-0']);
    expect(h.store.listAttempts('r', 'n0-1')).toMatchObject([{ status: 'succeeded', handle: { jobId: expect.any(String) } }]);
  });

  it('resolves the backend once for the whole array', async () => {
    const backend = syncBackend(async (ctx) => doubled(ctx));
    const registry = createRegistry({
      plugins: [
        definePlugin({
          taskType: 'test-task',
          taskTypeVersion: 0,
          packageName: 'test-plugin',
          coreVersion: '*',
          target: 'container',
          backend: () => backend,
        }).plugin(),
      ],
    });
    let resolved = 0;
    const counting: PluginRegistry = {
      ...registry,
      resolve: (...args) => {
        resolved += 1;
        return registry.resolve(...args);
      },
    };
    const h = await harness({ registry: counting });
    await h.executor.runArray(task(), elements(1, 2, 3, 4), { concurrency: 2, minSuccesses: 4 });
    expect(resolved).toBe(1);
    expect(backend.calls).toHaveLength(4);
  });

  it('rejects, running nothing, for a task type without a plugin or with invalid options', async () => {
    const backend = syncBackend(async (ctx) => doubled(ctx));
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.runArray(task({ type: 'spark' }), elements(1), { concurrency: 1, minSuccesses: 1 })).rejects.toThrow(
      PluginNotFoundError,
    );
    await expect(h.executor.runArray(task(), elements(1), { concurrency: 0, minSuccesses: 1 })).rejects.toThrow(InvalidOptionError);
    await expect(h.executor.runArray(task(), elements(1), { concurrency: 1, minSuccesses: 2 })).rejects.toThrow(/minSuccesses/);
    expect(backend.calls).toEqual([]);
    expect(await h.executor.runArray(task(), [], { concurrency: 1, minSuccesses: 0 })).toEqual([]);
  });

  it('on cancellation, cancels the running elements, starts no more, and rejects with CancelledError', async () => {
    const backend = syncBackend(
      (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })),
    );
    const h = await harness({ backends: { 'test-task': backend } });
    const controller = new AbortController();
    const run = h.executor.runArray(task(), elements(1, 2, 3, 4, 5), {
      runId: 'r',
      concurrency: 2,
      minSuccesses: 5,
      signal: controller.signal,
    });
    while (backend.calls.length < 2) await tick();
    controller.abort();
    await expect(run).rejects.toThrow(CancelledError);
    expect(backend.calls).toHaveLength(2);
    expect(backend.calls.every((c) => c.signal.aborted)).toBe(true);
    expect(h.store.listAttempts('r', 'n0-0')).toMatchObject([{ status: 'aborted' }]);
    expect(
      h.events
        .filter((e) => e.type === 'cancelled')
        .map((e) => e.nodeId)
        .sort(),
    ).toEqual(['n0-0', 'n0-1']);
  });
});
