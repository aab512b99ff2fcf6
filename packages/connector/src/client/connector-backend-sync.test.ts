/**
 * connectorBackend({ sync: true }) through tflyte's executor, against our connector serving a sync
 * plugin: one ExecuteTaskSync per attempt, outputs from the response's Resource, and a permanent
 * failure read back with its kind, so the executor does not retry it. Counted on the serving side:
 * the sync backend's calls and the connector's metrics.
 */
import { definePlugin, TaskFailedError } from '@tflyte/core';
import { createInMemorySyncBackend, createTestExecutor, primitiveValues, testLiteralMap, testTaskTemplate } from '@tflyte/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectorServer, startConnectorServer } from '../server/connector-server.ts';
import { connectorBackend } from './connector-backend.ts';

/** Doubles its input `x`; a negative `x` is the caller's mistake. */
const doubler = createInMemorySyncBackend({
  name: 'doubler',
  script: (ctx) => {
    const x = Number(primitiveValues(ctx.inputs)['x']);
    return x < 0
      ? [{ phase: 'FAILED', failure: { kind: 'user', retryable: false, code: 'Negative', message: `x must be >= 0, got ${x}` } }]
      : [{ phase: 'SUCCEEDED', outputs: testLiteralMap({ y: BigInt(2 * x) }) }];
  },
});
const doublerPlugin = definePlugin({
  taskType: 'doubler',
  taskTypeVersion: 0,
  packageName: '@example/doubler',
  coreVersion: '^0.1.0',
  target: 'container',
  backend: () => doubler,
});
const template = testTaskTemplate({ type: 'doubler', name: 'double', inputs: { x: 'integer' }, outputs: { y: 'integer' } });

let connector: ConnectorServer;
const executeSyncCount = (outcome: 'success' | 'failure'): number =>
  Number(
    new RegExp(`^tflyte_connector_requests_total\\{task_type="doubler",operation="execute_sync",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(
      connector.metrics.render(),
    )?.[1] ?? 0,
  );

beforeAll(async () => {
  connector = await startConnectorServer({
    plugins: [doublerPlugin.plugin()],
    host: '127.0.0.1',
    port: 0,
    metricsPort: false,
    log: () => {},
  });
});
afterAll(async () => {
  await connector?.close({ graceMs: 200 });
});

describe('connectorBackend with sync: true', () => {
  it('runs an attempt as one ExecuteTaskSync call and returns its outputs', async () => {
    const test = await createTestExecutor({
      backends: { doubler: connectorBackend({ endpoint: connector.url, taskTypes: ['doubler'], sync: true }) },
    });
    try {
      const before = doubler.dos.length;
      const outputs = await test.executor.run(template, testLiteralMap({ x: 21n }));
      expect(primitiveValues(outputs)).toEqual({ y: 42n });
      expect(doubler.dos.length - before).toBe(1);
      expect(executeSyncCount('success')).toBeGreaterThanOrEqual(1);
    } finally {
      await test.close();
    }
  });

  it('a permanent user failure comes back as one, so the executor does not retry it', async () => {
    const test = await createTestExecutor({
      backends: { doubler: connectorBackend({ endpoint: connector.url, taskTypes: ['doubler'], sync: true }) },
    });
    try {
      const before = doubler.dos.length;
      const error = await test.executor.run(template, testLiteralMap({ x: -1n })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({
        failure: { code: 'Negative', kind: 'user', retryable: false, message: expect.stringContaining('x must be >= 0, got -1') },
        attempts: 1,
      });
      expect(doubler.dos.length - before).toBe(1);
    } finally {
      await test.close();
    }
  });
});
