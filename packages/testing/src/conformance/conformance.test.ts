// The conformance suite run for the kit's own fakes and core's function backend; plugins run it for theirs.
import { fileURLToPath } from 'node:url';
import { type AsyncBackend, functionBackend, type JsonValue, running, t, task, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpJobService, type HttpJobService, httpJobBackend } from '../kit/http-job-service.ts';
import { createInMemoryBackend, createInMemorySyncBackend } from '../kit/in-memory-backend.ts';
import { testLiteralMap, testTaskTemplate } from '../kit/task-template.ts';
import { type BackendConformanceOptions, backendConformanceChecks, describeBackendConformance } from './describe-backend-conformance.ts';

const runsUntilDeleted = testTaskTemplate({ outputs: { y: 'integer' } });

describeBackendConformance({
  name: 'in-memory backend (polled)',
  backend: () => createInMemoryBackend({ script: [{ phase: 'QUEUED' }, { phase: 'RUNNING' }] }),
  template: runsUntilDeleted,
  reattachSkipReason: 'its jobs live in the memory of the test process',
});

describeBackendConformance({
  name: 'in-memory backend (watched)',
  backend: () => createInMemoryBackend({ script: [{ phase: 'QUEUED' }, { phase: 'RUNNING' }], watch: true }),
  template: runsUntilDeleted,
  reattachSkipReason: 'its jobs live in the memory of the test process',
});

let service: HttpJobService;
beforeAll(async () => {
  service = await createHttpJobService();
});
afterAll(async () => {
  await service.close();
});

describeBackendConformance({
  name: 'HTTP job service backend',
  backend: () => httpJobBackend(service.url),
  template: runsUntilDeleted,
  submittedJobs: () => service.stats.submissions,
  reattach: () => ({
    module: fileURLToPath(new URL('../kit/http-job-service.ts', import.meta.url)),
    export: 'httpJobBackend',
    args: [service.url],
  }),
});

describeBackendConformance({
  name: 'in-memory sync backend',
  backend: () => createInMemorySyncBackend({ script: [{ phase: 'RUNNING' }, { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 1n }) }] }),
  template: runsUntilDeleted,
});

export const conformanceSquare = task({ inputs: { x: t.int() }, outputs: t.int() }, function conformanceSquare({ x }) {
  return x * x;
});

describeBackendConformance({
  name: "core's function backend",
  backend: () => functionBackend(),
  template: toTaskTemplate(conformanceSquare, { image: 'img:1', version: 'v1' }),
  inputs: toLiteralMap(conformanceSquare.inputs, { x: 3 }),
});

describe('the suite fails a backend that breaks the contract', () => {
  const live = () => createInMemoryBackend({ script: [{ phase: 'RUNNING' }], watch: true });
  /** The in-memory backend with some methods replaced. */
  const broken = (change: (inner: ReturnType<typeof live>) => Partial<AsyncBackend>): BackendConformanceOptions => ({
    name: 'broken',
    backend: () => {
      const inner = live();
      return { ...inner, create: inner.create, get: inner.get, delete: inner.delete, watch: inner.watch, ...change(inner) } as AsyncBackend;
    },
    template: runsUntilDeleted,
  });
  const check = (options: BackendConformanceOptions, title: string) => {
    const found = backendConformanceChecks(options).find((c) => c.title.startsWith(title));
    if (found === undefined) throw new Error(`no check '${title}'`);
    return found.run();
  };

  it('catches a create that submits again for the same token', async () => {
    let n = 0;
    const options = broken((inner) => ({ create: (ctx) => inner.create({ ...ctx, idempotencyToken: `${ctx.idempotencyToken}-${n++}` }) }));
    await expect(check(options, 'create is idempotent')).rejects.toThrow();
  });

  it('catches a get that stops the job', async () => {
    const options = broken((inner) => ({
      get: async (handle, ctx) => {
        await inner.delete(handle as never, ctx);
        return inner.get(handle as never, ctx);
      },
    }));
    await expect(check(options, 'get is pure')).rejects.toThrow(/not live/);
  });

  it('catches a handle that does not survive JSON', async () => {
    const options = broken((inner) => ({
      create: async (ctx) => ({ ...(await inner.create(ctx)), at: new Date(0) }) as unknown as JsonValue,
    }));
    await expect(check(options, 'the handle survives')).rejects.toThrow();
  });

  it('catches a delete that fails for a job already gone, and one that leaves the job live', async () => {
    const deleted = new Set<string>();
    const twice = broken((inner) => ({
      delete: async (handle, ctx) => {
        const id = (handle as { jobId: string }).jobId;
        if (deleted.has(id)) throw new Error('no such job');
        deleted.add(id);
        await inner.delete(handle as never, ctx);
      },
    }));
    await expect(check(twice, 'delete is idempotent')).rejects.toThrow('no such job');
    const noop = broken(() => ({ delete: async () => {} }));
    await expect(check(noop, 'delete is idempotent')).rejects.toThrow(/still live/);
  });

  it('catches a watch that keeps reporting after its signal aborts', async () => {
    const options = broken(() => ({
      watch: (_handle, _ctx, onStatus, signal) => {
        onStatus(running());
        signal.addEventListener('abort', () => setImmediate(() => onStatus(running({ message: 'still here' }))));
      },
    }));
    await expect(check(options, 'cancellation')).rejects.toThrow(/after the watch was aborted/);
  });

  it('catches a do that returns a live phase', async () => {
    const options: BackendConformanceOptions = {
      name: 'broken sync',
      backend: () => ({ name: 'live do', do: async () => running() }),
      template: runsUntilDeleted,
    };
    await expect(check(options, 'do returns a terminal status')).rejects.toThrow(/RUNNING/);
  });
});
