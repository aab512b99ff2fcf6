/**
 * Benchmark: 200 concurrent Spark tasks, each one SparkApplication, run by sparkPlugin() through
 * the executor against the Kubernetes test API server. The bench plays the operator: it moves every
 * application SUBMITTED → RUNNING → COMPLETED, a few per tick, and times each change from its write
 * on the server to the executor's `status-changed` event. Reported: that latency (median, p99),
 * API requests by verb and wall time.
 *
 * Baseline, side by side: the same applications tracked by polling each one (a GET per application
 * per second) instead of the shared watch.
 *
 *   node --conditions=@tflyte/source packages/plugin-spark/bench/spark-applications.ts [applications]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import { type AsyncBackend, createExecutor, openStateStore, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { createKubeClient } from '@tflyte/kubernetes';
import { startKubeApiServer } from '@tflyte/testing/kubernetes';
import { sparkPlugin, sparkTask } from '../src/index.ts';
import { sparkCrdPath } from '../src/test-support/cluster.ts';

type Mode = 'watch' | 'poll';
const POLL_MS = 1000;
const PER_TICK = 20;
const NAMESPACE = 'bench';
const STATES = [
  ['SUBMITTED', 'INITIALIZING'],
  ['RUNNING', 'RUNNING'],
  ['COMPLETED', 'SUCCEEDED'],
] as const;

const job = sparkTask({
  name: 'benchJob',
  application: { type: 'scala', mainApplicationFile: 'local:///job.jar', mainClass: 'Bench' },
  image: 'spark:3.5.0',
  version: 'bench',
});

interface Sample {
  readonly mode: Mode;
  readonly wallMs: number;
  readonly requests: Record<string, number>;
  readonly latenciesMs: number[];
}

async function measure(applications: number, mode: Mode): Promise<Sample> {
  const server = await startKubeApiServer({ crds: [readFileSync(sparkCrdPath(), 'utf8')] });
  const stateDir = mkdtempSync(join(tmpdir(), 'tflyte-bench-spark-'));
  const store = openStateStore(stateDir);
  const client = createKubeClient({ kubeConfig: server.kubeConfig() });
  try {
    const backend = sparkPlugin({ client, namespace: NAMESPACE }).backend as AsyncBackend;
    const tracked =
      mode === 'watch' ? backend : { ...backend, watch: undefined, poll: { initialMs: POLL_MS, multiplier: 1, maxMs: POLL_MS } };
    const executor = createExecutor({ store, stateDir, backends: { spark: tracked } });
    const template = toTaskTemplate(job);
    const inputs = toLiteralMap({}, {});
    const changedAt = new Map<string, number>();
    const latencies: number[] = [];
    let created = 0;
    executor.on((event) => {
      if (event.type === 'attempt-created') created++;
      if (event.type !== 'status-changed') return;
      const key = `${event.nodeId}:${event.phaseName}`;
      const at = changedAt.get(key);
      if (at === undefined) return;
      latencies.push(performance.now() - at);
      changedAt.delete(key);
    });
    const started = performance.now();
    const runs = Array.from({ length: applications }, (_, i) => executor.run(template, inputs, { runId: 'bench', nodeId: `n${i}` }));
    while (created < applications) await nextTick();
    for (const [state, phase] of STATES) {
      for (let i = 0; i < applications; i++) {
        changedAt.set(`n${i}:${phase}`, performance.now());
        server.setStatus(
          { group: 'sparkoperator.k8s.io', resource: 'sparkapplications', namespace: NAMESPACE, name: `bench-n${i}-0` },
          { applicationState: { state }, driverInfo: {} },
        );
        if (i % PER_TICK === PER_TICK - 1) await nextTick();
      }
      while (state !== 'COMPLETED' && changedAt.size > 0) await nextTick();
    }
    await Promise.all(runs);
    const wallMs = performance.now() - started;
    // Applications are deleted as their attempts end; count those requests too.
    while ((server.requestCounts.delete ?? 0) < applications) await nextTick();
    return { mode, wallMs, requests: server.requestCounts, latenciesMs: latencies };
  } finally {
    client.close();
    store.close();
    await server.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

export async function runSparkApplications(applications = 200): Promise<string> {
  const watch = await measure(applications, 'watch');
  const poll = await measure(applications, 'poll');
  const line = (s: Sample) => {
    const verbs = Object.entries(s.requests)
      .sort(([, a], [, b]) => b - a)
      .map(([verb, n]) => `${verb} ${n}`)
      .join(', ');
    return `${s.mode.padEnd(5)} median ${percentile(s.latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(s.latenciesMs, 99).toFixed(1)} ms, wall ${(s.wallMs / 1000).toFixed(1)} s; requests: ${verbs}`;
  };
  const ratio = percentile(poll.latenciesMs, 50) / percentile(watch.latenciesMs, 50);
  return [
    `${applications} concurrent SparkApplications, status change → executor event`,
    line(watch),
    line(poll),
    `polling's median latency is ${ratio.toFixed(0)}× the watch's`,
  ].join('\n');
}

if (import.meta.main) process.stdout.write(`${await runSparkApplications(Number(process.argv[2] ?? 200))}\n`);
