import { TaskExecution_Phase } from '@tflyte/idl/core/execution';
import { describe, expect, it } from 'vitest';
import { testAttemptContext } from './attempt-context.ts';
import { createHttpJobService, httpJobBackend } from './http-job-service.ts';
import { primitiveValues, testLiteralMap, testTaskTemplate } from './task-template.ts';
import { createTestExecutor } from './test-executor.ts';

describe('the HTTP job service', () => {
  it('keeps one job per idempotency token while a third of its status reads fail, counted on the server', async () => {
    const service = await createHttpJobService({
      script: [{ phase: 'QUEUED' }, { phase: 'RUNNING' }, { phase: 'SUCCEEDED', outputs: testLiteralMap({ y: 9n }) }],
      faults: {
        seed: 7,
        rules: [
          { kind: 'server-error', ops: ['GetJob'], probability: 0.33 },
          { kind: 'connection-reset', ops: ['GetJob'], probability: 0.1 },
        ],
      },
    });
    const h = await createTestExecutor({ backends: { 'test-task': httpJobBackend(service.url, { statusChecks: { maxFailures: 20 } }) } });
    try {
      for (let run = 0; run < 5; run++) {
        const outputs = await h.executor.run(testTaskTemplate({ outputs: { y: 'integer' } }), testLiteralMap({}));
        expect(primitiveValues(outputs)).toEqual({ y: 9n });
      }
      expect(service.stats.submissions).toBe(5);
      expect(service.stats.creates).toBe(5);
      expect(service.server.log.of('GetJob').filter((c) => c.fault !== undefined).length).toBeGreaterThan(0);
      expect(h.events.filter((e) => e.type === 'attempt-created')).toHaveLength(5);
    } finally {
      await h.close();
      await service.close();
    }
  });

  it('answers a scripted status failure with HTTP 500 and a vanished job as a permanent failure of the attempt', async () => {
    const service = await createHttpJobService({
      script: [{ phase: 'RUNNING' }, { throws: new Error('disk on fire') }, { phase: 'RUNNING' }],
    });
    try {
      const backend = httpJobBackend(service.url);
      const ctx = testAttemptContext();
      const handle = await backend.create(ctx);
      expect((await backend.get(handle, ctx)).phase).toBe(TaskExecution_Phase.RUNNING);
      await expect(backend.get(handle, ctx)).rejects.toThrow('HTTP 500');
      await expect(backend.get({ jobId: 'job-404' }, ctx)).rejects.toMatchObject({ failure: { code: 'JobNotFound', retryable: false } });
    } finally {
      await service.close();
    }
  });
});
