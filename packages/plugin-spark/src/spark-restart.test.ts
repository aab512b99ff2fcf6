/**
 * An executor killed while its Spark application runs leaves the application running; a new
 * executor over the same state directory re-attaches to it through the persisted handle and
 * follows it to the end — one SparkApplication created in all, counted on the server.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createExecutor, createRegistry, openStateStore, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { createKubeClient } from '@tflyte/kubernetes';
import { describe, expect, it, vi } from 'vitest';
import { sparkPlugin } from './index.ts';
import { startSparkCluster } from './test-support/cluster.ts';
import { longJob } from './test-support/tasks.ts';

const NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
const CHILD = fileURLToPath(new URL('./test-support/child-executor.ts', import.meta.url));

describe('sparkPlugin: executor restarts', () => {
  it('re-attaches a second executor to the application of a killed one, creating no second application', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'tflyte-spark-restart-'));
    const cluster = await startSparkCluster({ operator: false, stateDir });
    try {
      const child = spawn(
        NODE,
        [
          '--conditions=@tflyte/source',
          CHILD,
          JSON.stringify({
            stateDir,
            server: cluster.server.url,
            token: cluster.server.token,
            namespace: cluster.namespace,
            runId: 'crash',
          }),
        ],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const exited = new Promise((resolve) => child.on('exit', resolve));
      await new Promise<void>((resolve) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if ((JSON.parse(line) as { type: string }).type === 'status-changed') resolve();
        });
      });
      child.kill('SIGKILL');
      await exited;
      expect(await cluster.applications()).toEqual(['crash-n0-0']);
      const ref = { group: 'sparkoperator.k8s.io', resource: 'sparkapplications', namespace: cluster.namespace, name: 'crash-n0-0' };
      cluster.server.setStatus(ref, { applicationState: { state: 'RUNNING' }, driverInfo: { podName: 'crash-n0-0-driver' } });

      const store = openStateStore(stateDir);
      const client = createKubeClient({ kubeConfig: cluster.server.kubeConfig() });
      try {
        const registry = createRegistry();
        registry.register(sparkPlugin({ client, namespace: cluster.namespace }));
        const executor = createExecutor({ registry, store, stateDir });
        const events: string[] = [];
        const run = executor.run(toTaskTemplate(longJob), toLiteralMap({}, {}), { runId: 'crash', onEvent: (e) => events.push(e.type) });
        await vi.waitFor(() => expect(events).toContain('attempt-reattached'));
        cluster.server.setStatus(ref, { applicationState: { state: 'COMPLETED' }, driverInfo: {} });
        await run;
        expect(events).not.toContain('attempt-created');
        expect(cluster.sparkRequests('POST')).toBe(1);
        await vi.waitFor(async () => expect(await cluster.applications()).toEqual([]));
      } finally {
        client.close();
        store.close();
      }
    } finally {
      await cluster.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
