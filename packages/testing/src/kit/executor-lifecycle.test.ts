/**
 * Specification of the shared executor's attempt lifecycle: create → status (watch or poll) →
 * outputs, driven through the in-memory backend and the fake clock.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  type AttemptContext,
  type Backend,
  createFileStore,
  createRegistry,
  definePlugin,
  joinUri,
  PluginNotFoundError,
  TaskFailedError,
} from '@tflyte/core';
import { ContainerError_Kind, ErrorDocumentSchema } from '@tflyte/idl/core/errors';
import { ExecutionError_ErrorKind } from '@tflyte/idl/core/execution';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClock } from './fake-clock.ts';
import { createInMemoryBackend, type InMemoryHandle, type ScriptStep } from './in-memory-backend.ts';
import { primitiveValues, testLiteralMap, testTaskTemplate } from './task-template.ts';
import { createTestExecutor, type TestExecutor } from './test-executor.ts';

const harnesses: TestExecutor[] = [];
async function harness(options: Parameters<typeof createTestExecutor>[0]): Promise<TestExecutor> {
  const h = await createTestExecutor(options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const template = testTaskTemplate({ inputs: { x: 'integer' }, outputs: { y: 'integer' } });
const inputs = testLiteralMap({ x: 1n });
const succeedWith = (y: bigint): ScriptStep[] => [
  { phase: 'QUEUED' },
  { phase: 'RUNNING' },
  { phase: 'SUCCEEDED', outputs: testLiteralMap({ y }) },
];
const files = createFileStore();

describe('executor: lifecycle of an attempt', () => {
  it('creates the job, follows its phases and returns its outputs, reporting every change as an event', async () => {
    const backend = createInMemoryBackend({ script: succeedWith(2n) });
    const h = await harness({ backends: { 'test-task': backend } });
    const outputs = await h.executor.run(template, inputs, { runId: 'run1' });
    expect(primitiveValues(outputs)).toEqual({ y: 2n });
    expect(backend.calls.map((c) => c.op)).toEqual(['create', 'get', 'get', 'get']);
    expect(h.eventTypes()).toEqual([
      'run-started',
      'attempt-created',
      'status-changed:QUEUED',
      'status-changed:RUNNING',
      'status-changed:SUCCEEDED',
      'succeeded',
    ]);
    expect(h.events.every((e) => e.runId === 'run1' && e.nodeId === 'n0' && e.task === 'test.task')).toBe(true);
    expect(h.store.listAttempts('run1', 'n0')).toMatchObject([{ attempt: 0, status: 'succeeded', phase: 3, handle: { jobId: 'job-1' } }]);
  });

  it('stores the handle before the first status check', async () => {
    const inner = createInMemoryBackend({ script: succeedWith(1n) });
    const seen: unknown[] = [];
    let h: TestExecutor | undefined;
    const backend: Backend<InMemoryHandle> = {
      ...inner,
      get: async (handle, ctx) => {
        seen.push(h?.store.getAttempt({ runId: 'r', nodeId: 'n0', attempt: ctx.attempt }));
        return inner.get(handle, ctx);
      },
    };
    h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(template, inputs, { runId: 'r' });
    expect(seen[0]).toMatchObject({ status: 'running', handle: { jobId: 'job-1' }, backend: 'in-memory', handleVersion: 1 });
  });

  it("gives the backend Flyte's generated name, a stable idempotency token and per-attempt locations, with inputs.pb written", async () => {
    const contexts: AttemptContext[] = [];
    const backend = createInMemoryBackend({
      script: (ctx) => {
        contexts.push(ctx);
        return succeedWith(1n);
      },
    });
    const h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(template, inputs, { runId: 'nightly', nodeId: 'load' });
    const ctx = contexts[0]!;
    expect(ctx.generatedName).toBe('nightly-load-0');
    expect(ctx.idempotencyToken).toMatch(/^[0-9a-f]{64}$/);
    expect(ctx.outputPrefix).toBe(new URL(`file://${h.stateDir}/runs/nightly/load/0`).href);
    expect(ctx.inputsUri).toBe(`${ctx.outputPrefix}/inputs.pb`);
    expect(ctx.rawOutputPrefix).toBe(`${ctx.outputPrefix}/raw`);
    expect(fromBinary(LiteralMapSchema, (await files.get(ctx.inputsUri))!)).toEqual(inputs);
    expect(ctx.template).toBe(template);
  });

  it('reads outputs from <outputPrefix>/outputs.pb when the status carries none', async () => {
    const backend: Backend<string> = {
      name: 'writes-files',
      handleVersion: 1,
      create: async (ctx) => {
        await files.put(joinUri(ctx.outputPrefix, 'outputs.pb'), toBinary(LiteralMapSchema, testLiteralMap({ y: 7n })));
        return 'h';
      },
      get: async () => ({ phase: 3 }),
      delete: async () => {},
    };
    const h = await harness({ backends: { 'test-task': backend } });
    expect(primitiveValues(await h.executor.run(template, inputs))).toEqual({ y: 7n });
  });

  it('fails without retrying when a successful task has no outputs or outputs that do not match its interface', async () => {
    for (const [step, code] of [
      [{ phase: 'SUCCEEDED' }, 'OutputsNotFound'],
      [{ phase: 'SUCCEEDED', outputs: testLiteralMap({ z: 1n }) }, 'OutputsInvalid'],
    ] as const) {
      const backend = createInMemoryBackend({ script: [step] });
      const h = await harness({ backends: { 'test-task': backend } });
      const error = await h.executor.run(testTaskTemplate({ outputs: { y: 'integer' }, retries: 3 }), inputs).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({ attempts: 1, failure: { kind: 'user', code: code, retryable: false } });
      expect(backend.creates).toHaveLength(1);
    }
  });

  it('returns an empty LiteralMap for a task without outputs', async () => {
    const backend = createInMemoryBackend({ script: [{ phase: 'SUCCEEDED' }] });
    const h = await harness({ backends: { 'test-task': backend } });
    expect((await h.executor.run(testTaskTemplate(), inputs)).literals).toEqual({});
  });

  it('uses the kind and code of an error.pb the task wrote when it fails', async () => {
    const backend: Backend<string> = {
      name: 'error-doc',
      handleVersion: 1,
      create: async (ctx) => {
        const doc = create(ErrorDocumentSchema, {
          error: {
            code: 'USER:ValueError',
            message: 'bad value',
            kind: ContainerError_Kind.NON_RECOVERABLE,
            origin: ExecutionError_ErrorKind.USER,
          },
        });
        await files.put(joinUri(ctx.outputPrefix, 'error.pb'), toBinary(ErrorDocumentSchema, doc));
        return 'h';
      },
      get: async () => ({ phase: 8, failure: { kind: 'system', retryable: true, code: 'Exit1', message: 'exit code 1' } }),
      delete: async () => {},
    };
    const h = await harness({ backends: { 'test-task': backend } });
    await expect(h.executor.run(template, inputs)).rejects.toMatchObject({
      attempts: 1,
      failure: { kind: 'user', code: 'USER:ValueError', retryable: false },
    });
  });

  it('follows status through watch when the backend has it, never polling', async () => {
    const backend = createInMemoryBackend({ script: succeedWith(3n), watch: true });
    const h = await harness({ backends: { 'test-task': backend } });
    expect(primitiveValues(await h.executor.run(template, inputs))).toEqual({ y: 3n });
    expect(backend.gets).toHaveLength(0);
    expect(backend.calls.map((c) => c.op)).toEqual(['create', 'watch']);
    expect(h.eventTypes()).toContain('status-changed:RUNNING');
    expect(h.clock.sleeps).toEqual([]);
  });

  it('polls with capped exponential backoff on the clock: 1 s, ×1.5, at most 15 s', async () => {
    const clock = createFakeClock({ autoAdvance: true });
    // The job reaches SUCCEEDED 60 s after it was created.
    const backend = createInMemoryBackend({
      script: [{ phase: 'RUNNING' }, { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 1n }) }],
      advance: { clock, everyMs: 60_000 },
    });
    await (await harness({ clock, backends: { 'test-task': backend } })).executor.run(template, inputs);
    expect(clock.sleeps).toEqual([1000, 1500, 2250, 3375, 5062.5, 7593.75, 11390.625, 15_000, 15_000]);
    expect(backend.gets).toHaveLength(10);
  });

  it("uses the backend's own poll settings", async () => {
    const clock = createFakeClock({ autoAdvance: true });
    const backend = createInMemoryBackend({
      script: [{ phase: 'RUNNING' }, { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 1n }) }],
      advance: { clock, everyMs: 1000 },
      poll: { initialMs: 200, multiplier: 2, maxMs: 500 },
    });
    await (await harness({ clock, backends: { 'test-task': backend } })).executor.run(template, inputs);
    expect(clock.sleeps).toEqual([200, 400, 500]);
  });

  it('treats a phase it does not know as a permanent SYSTEM failure and deletes the job', async () => {
    for (const phase of [0, 42]) {
      const backend = createInMemoryBackend({ script: [{ phase: 'RUNNING' }, { phase }] });
      const h = await harness({ backends: { 'test-task': backend } });
      const error = await h.executor.run(testTaskTemplate({ retries: 2 }), inputs).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'TFLYTE_TASK_FAILED', failure: { kind: 'system', code: 'UnknownPhase', retryable: false } });
      expect(backend.gets).toHaveLength(2);
      expect(backend.deletes).toHaveLength(1);
      expect(backend.liveJobs()).toEqual([]);
    }
  });

  it("runs a task type on the configured backend instead of its plugin's own", async () => {
    const own = createInMemoryBackend({ script: succeedWith(1n), name: 'own' });
    const override = createInMemoryBackend({ script: succeedWith(2n), name: 'override' });
    const plugin = definePlugin({
      taskType: 'test-task',
      taskTypeVersion: 0,
      packageName: '@acme/test',
      coreVersion: '*',
      target: 'container',
      backend: () => own,
    }).plugin();
    const registry = createRegistry({ plugins: [plugin] });
    const viaPlugin = await harness({ registry });
    expect(primitiveValues(await viaPlugin.executor.run(template, inputs))).toEqual({ y: 1n });
    const viaOverride = await harness({ registry, backends: { 'test-task': override } });
    expect(primitiveValues(await viaOverride.executor.run(template, inputs))).toEqual({ y: 2n });
    expect(own.creates).toHaveLength(1);
    expect(override.creates).toHaveLength(1);
  });

  it('rejects with PluginNotFoundError naming the package for a task type nobody handles', async () => {
    const h = await harness({});
    const error = await h.executor.run(testTaskTemplate({ type: 'presto' }), inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginNotFoundError);
    expect((error as Error).message).toContain('@tflyte/plugin-athena');
  });

  it('delivers events to listeners added with on() and to onEvent, until unsubscribed', async () => {
    const backend = createInMemoryBackend({ script: succeedWith(1n) });
    const h = await harness({ backends: { 'test-task': backend } });
    const seen: string[] = [];
    const perRun: string[] = [];
    const off = h.executor.on((e) => seen.push(e.type));
    await h.executor.run(template, inputs, { onEvent: (e) => perRun.push(e.type) });
    off();
    await h.executor.run(template, inputs);
    expect(seen).toEqual(perRun);
    expect(seen.at(-1)).toBe('succeeded');
    expect(h.events.filter((e) => e.type === 'run-started')).toHaveLength(2);
  });

  it('gives each status change its message and log links', async () => {
    const logs = [{ name: 'Console', uri: 'https://console.example/job-1' }];
    const backend = createInMemoryBackend({
      script: [
        { phase: 'RUNNING', message: 'started', logs },
        { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 1n }) },
      ],
    });
    const h = await harness({ backends: { 'test-task': backend } });
    await h.executor.run(template, inputs);
    expect(h.events.find((e) => e.type === 'status-changed')).toMatchObject({ phaseName: 'RUNNING', message: 'started', logs });
  });
});
