/**
 * Specification of the executor's output cache (flytekit's local cache key) and of cache
 * serialization within one process. Serialization across processes is in executor-processes.test.ts.
 */
import { create } from '@bufbuild/protobuf';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import { LiteralMapSchema, LiteralSchema } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClock } from './fake-clock.ts';
import { createInMemoryBackend, type ScriptStep } from './in-memory-backend.ts';
import { primitiveValues, type TestTaskOptions, testLiteralMap, testTaskTemplate } from './task-template.ts';
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

const cached = (cache: NonNullable<TestTaskOptions['cache']> = { version: '1' }, name = 'pkg.double') =>
  testTaskTemplate({ name, inputs: { x: 'integer', seed: 'integer' }, outputs: { y: 'integer' }, cache });
/** The cache key the executor uses for this task and inputs, read from a scratch run's cache-miss event. */
async function keyOf(task: TaskTemplate, inputs: LiteralMap): Promise<string> {
  const scratch = await harness({ backends: { 'test-task': createInMemoryBackend({ script: numbered }) } });
  await scratch.executor.run(task, inputs);
  const miss = scratch.events.find((e) => e.type === 'cache-miss');
  if (miss?.type !== 'cache-miss') throw new Error('no cache-miss event');
  return miss.key;
}

/** Each job returns y = 10 × its creation number, so a recomputation is visible in the result. */
const numbered = (_ctx: unknown, index: number): ScriptStep[] => [
  { phase: 'RUNNING' },
  { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: BigInt(10 * (index + 1)) }) },
];

describe('executor: output cache', () => {
  it('computes on a miss, writes the entry, and answers the same inputs from the cache without a job', async () => {
    const backend = createInMemoryBackend({ script: numbered });
    const h = await harness({ backends: { 'test-task': backend } });
    const first = await h.executor.run(cached(), testLiteralMap({ x: 1n, seed: 1n }));
    const second = await h.executor.run(cached(), testLiteralMap({ x: 1n, seed: 1n }));
    expect(primitiveValues(first)).toEqual({ y: 10n });
    expect(primitiveValues(second)).toEqual({ y: 10n });
    expect(backend.creates).toHaveLength(1);
    const key = await keyOf(cached(), testLiteralMap({ x: 1n, seed: 1n }));
    expect(key).toMatch(/^pkg\.double-1-[0-9a-f]{64}$/);
    expect(h.events.filter((e) => e.type.startsWith('cache-'))).toMatchObject([
      { type: 'cache-miss', key },
      { type: 'cache-write', key },
      { type: 'cache-hit', key },
    ]);
    expect(h.events.at(-1)).toMatchObject({ type: 'succeeded', attempts: 0, fromCache: true });
  });

  it('misses for other inputs, another discovery version or another task name', async () => {
    const backend = createInMemoryBackend({ script: numbered });
    const h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(cached(), testLiteralMap({ x: 1n, seed: 1n }));
    await h.executor.run(cached(), testLiteralMap({ x: 2n, seed: 1n }));
    await h.executor.run(cached({ version: '2' }), testLiteralMap({ x: 1n, seed: 1n }));
    await h.executor.run(cached({ version: '1' }, 'pkg.other'), testLiteralMap({ x: 1n, seed: 1n }));
    expect(backend.creates).toHaveLength(4);
  });

  it('leaves cacheIgnoreInputVars out of the key', async () => {
    const backend = createInMemoryBackend({ script: numbered });
    const h = await harness({ backends: { 'test-task': backend } });
    const task = cached({ version: '1', ignoreInputs: ['seed'] });
    await h.executor.run(task, testLiteralMap({ x: 1n, seed: 1n }));
    expect(primitiveValues(await h.executor.run(task, testLiteralMap({ x: 1n, seed: 99n })))).toEqual({ y: 10n });
    expect(backend.creates).toHaveLength(1);
  });

  it('keys a literal that carries a hash by its hash, not its value', async () => {
    const backend = createInMemoryBackend({ script: numbered });
    const h = await harness({ backends: { 'test-task': backend } });
    const withHash = (x: bigint, hash: string) =>
      create(LiteralMapSchema, {
        literals: { ...testLiteralMap({ seed: 1n }).literals, x: create(LiteralSchema, { ...testLiteralMap({ x }).literals['x']!, hash }) },
      });
    await h.executor.run(cached(), withHash(1n, 'sha-abc'));
    await h.executor.run(cached(), withHash(2n, 'sha-abc'));
    await h.executor.run(cached(), withHash(1n, 'sha-def'));
    expect(backend.creates).toHaveLength(2);
  });

  it('never caches a task that is not discoverable', async () => {
    const backend = createInMemoryBackend({ script: numbered });
    const h = await harness({ backends: { 'test-task': backend } });
    const task = testTaskTemplate({ outputs: { y: 'integer' } });
    await h.executor.run(task, testLiteralMap({ x: 1n }));
    await h.executor.run(task, testLiteralMap({ x: 1n }));
    expect(backend.creates).toHaveLength(2);
    expect(h.eventTypes().some((t) => t.startsWith('cache-'))).toBe(false);
  });

  it('treats an entry whose outputs no longer match the interface as a miss and replaces it', async () => {
    const backend = createInMemoryBackend({ script: numbered });
    const h = await harness({ backends: { 'test-task': backend } });
    const inputs = testLiteralMap({ x: 1n, seed: 1n });
    h.store.putCacheEntry({ key: await keyOf(cached(), inputs), taskName: 'pkg.double', outputs: new Uint8Array(), createdAt: 0 });
    expect(primitiveValues(await h.executor.run(cached(), inputs))).toEqual({ y: 10n });
    expect(primitiveValues(await h.executor.run(cached(), inputs))).toEqual({ y: 10n });
    expect(backend.creates).toHaveLength(1);
  });

  it('does not cache failures', async () => {
    const backend = createInMemoryBackend({
      script: (_ctx, index) =>
        index === 0 ? [{ phase: 'FAILED', failure: { kind: 'user', retryable: false, code: 'E', message: 'e' } }] : numbered(_ctx, index),
    });
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.run(cached(), testLiteralMap({ x: 1n, seed: 1n }))).rejects.toThrow();
    expect(primitiveValues(await h.executor.run(cached(), testLiteralMap({ x: 1n, seed: 1n })))).toEqual({ y: 20n });
  });
});

describe('executor: cache serialization in one process', () => {
  it('runs N concurrent identical calls of a serializable task as one job', async () => {
    const backend = createInMemoryBackend({
      script: [{ phase: 'QUEUED' }, { phase: 'RUNNING' }, { phase: 'RUNNING' }, { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 7n }) }],
    });
    const h = await harness({ backends: { 'test-task': backend } });
    const task = cached({ version: '1', serializable: true });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => h.executor.run(task, testLiteralMap({ x: 1n, seed: 1n }), { runId: `r${i}` })),
    );
    expect(results.map((r) => primitiveValues(r))).toEqual(Array(5).fill({ y: 7n }));
    expect(backend.creates).toHaveLength(1);
    expect(h.events.filter((e) => e.type === 'cache-wait')).toHaveLength(4);
    expect(h.events.filter((e) => e.type === 'cache-hit')).toHaveLength(4);
    const miss = h.events.find((e) => e.type === 'cache-miss');
    expect(miss?.type === 'cache-miss' && h.store.getLock(miss.key)).toBeUndefined();
  });

  it('without cacheSerializable, lets concurrent identical calls each run', async () => {
    const backend = createInMemoryBackend({ script: numbered });
    const h = await harness({ backends: { 'test-task': backend } });
    await Promise.all([1, 2, 3].map(() => h.executor.run(cached(), testLiteralMap({ x: 1n, seed: 1n }))));
    expect(backend.creates).toHaveLength(3);
  });

  it('lets a waiter compute itself when the owner fails', async () => {
    const backend = createInMemoryBackend({
      script: (_ctx, index) =>
        index === 0
          ? [{ phase: 'RUNNING' }, { phase: 'FAILED', failure: { kind: 'user', retryable: false, code: 'E', message: 'e' } }]
          : numbered(_ctx, index),
    });
    const h = await harness({ backends: { 'test-task': backend } });
    const task = cached({ version: '1', serializable: true });
    const [owner, waiter] = await Promise.allSettled([
      h.executor.run(task, testLiteralMap({ x: 1n, seed: 1n })),
      h.executor.run(task, testLiteralMap({ x: 1n, seed: 1n })),
    ]);
    expect(owner.status).toBe('rejected');
    expect(waiter.status === 'fulfilled' && primitiveValues(waiter.value)).toEqual({ y: 20n });
    expect(backend.creates).toHaveLength(2);
  });

  it('takes over a lock whose owner stopped heartbeating', async () => {
    const clock = createFakeClock({ now: 1_000_000, autoAdvance: true });
    const backend = createInMemoryBackend({ script: numbered });
    const h = await harness({ clock, backends: { 'test-task': backend }, cache: { lockTtlMs: 30_000, waitPollMs: 1000 } });
    const task = cached({ version: '1', serializable: true });
    const inputs = testLiteralMap({ x: 1n, seed: 1n });
    // A process that died holding the lock 10 s ago: it expires 20 s from now.
    h.store.acquireLock(await keyOf(task, inputs), 'dead-host:123:1', clock.now() - 10_000, 30_000);
    expect(primitiveValues(await h.executor.run(task, inputs))).toEqual({ y: 10n });
    expect(h.events.find((e) => e.type === 'cache-wait')).toMatchObject({ owner: 'dead-host:123:1' });
    expect(h.events.find((e) => e.type === 'cache-lock-taken-over')).toMatchObject({ previousOwner: 'dead-host:123:1' });
    expect(clock.now()).toBeGreaterThanOrEqual(1_000_000 + 20_000);
  });

  it('keeps its lock alive with heartbeats while a long job runs', async () => {
    const task = cached({ version: '1', serializable: true });
    const inputs = testLiteralMap({ x: 1n, seed: 1n });
    const key = await keyOf(task, testLiteralMap({ x: 1n, seed: 1n }));
    const clock = createFakeClock({ now: 0 });
    const backend = createInMemoryBackend({
      script: [{ phase: 'RUNNING' }, { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 1n }) }],
      advance: { clock, everyMs: 120_000 },
    });
    const h = await harness({ clock, backends: { 'test-task': backend }, cache: { lockTtlMs: 30_000 } });
    const heartbeats: number[] = [];
    const run = h.executor.run(task, inputs, { runId: 'long' });
    // The run takes the lock once it has resolved its backend and looked the key up.
    while (h.store.getLock(key) === undefined) await new Promise((resolve) => setImmediate(resolve));
    // Step through time, sampling the lock: a live owner's lock never expires.
    while (clock.now() < 110_000) {
      await clock.next();
      const lock = h.store.getLock(key);
      expect(lock?.owner).toBeDefined();
      heartbeats.push(lock!.heartbeatAt);
      expect(lock!.expiresAt).toBeGreaterThan(clock.now());
    }
    clock.setAutoAdvance(true);
    await run;
    expect(new Set(heartbeats).size).toBeGreaterThan(3);
  });
});
