/**
 * Benchmark: 1,000 concurrent `container` tasks run as pods by kubernetesPod() through the executor,
 * against the test Kubernetes API server, tracked to completion. The bench plays the kubelet: it sets
 * each pod Running, then Succeeded, a few pods per tick, and times each change from its write on the
 * server to the executor's `status-changed` event. Reported: API requests by verb, open watches,
 * that latency (median, p99) and the process's peak RSS. Runs in a fresh process so the RSS is its
 * own (the API server shares it, as a cluster would not).
 *
 * Baseline, side by side: the same pods tracked by polling each one (a GET per pod per second,
 * the cadence of flytekit's connector loop) instead of the shared watch.
 *
 *   npm run bench            (all benchmarks)
 *   node --conditions=@tflyte/source tools/src/bench/kubernetes-pods.ts [pods]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { createExecutor, openStateStore } from '@tflyte/core';
import { LiteralMapSchema } from '@tflyte/idl/core/literals';
import { ContainerSchema } from '@tflyte/idl/core/tasks';
import { createKubeClient, kubernetesPod } from '@tflyte/kubernetes';
import { testTaskTemplate } from '@tflyte/testing';
import { startKubeApiServer } from '@tflyte/testing/kubernetes';

type Mode = 'watch' | 'poll';
const POLL_MS = 1000;

interface Sample {
  readonly mode: Mode;
  readonly pods: number;
  readonly wallMs: number;
  readonly requests: Record<string, number>;
  readonly peakWatches: number;
  /** By the phase the change reported. */
  readonly latenciesMs: Record<'RUNNING' | 'SUCCEEDED', number[]>;
  /** RSS once the server, the client and the executor were up, before any pod. */
  readonly startRssMb: number;
  readonly peakRssMb: number;
}

/** Pods whose status the bench writes in one go before yielding to the event loop. */
const PER_TICK = 20;
const NAMESPACE = 'bench';

async function measure(pods: number, mode: Mode): Promise<Sample> {
  const server = await startKubeApiServer();
  const stateDir = mkdtempSync(join(tmpdir(), 'tflyte-bench-k8s-'));
  const store = openStateStore(stateDir);
  const client = createKubeClient({ kubeConfig: server.kubeConfig() });
  try {
    const pod = kubernetesPod({ client, namespace: NAMESPACE });
    // The baseline drops the watch, so the executor polls every pod's status with its own GET.
    const backend = mode === 'watch' ? pod : { ...pod, watch: undefined, poll: { initialMs: POLL_MS, multiplier: 1, maxMs: POLL_MS } };
    const executor = createExecutor({ store, stateDir, backends: { container: backend } });
    const template = testTaskTemplate({ type: 'container', name: 'bench.pod' });
    template.target = { case: 'container', value: create(ContainerSchema, { image: 'busybox', command: ['true'] }) };
    const inputs = create(LiteralMapSchema);

    const changedAt = new Map<string, number>();
    const latencies = { RUNNING: [] as number[], SUCCEEDED: [] as number[] };
    const startRssMb = process.memoryUsage().rss / 1048576;
    let created = 0;
    let peakWatches = 0;
    executor.on((event) => {
      if (event.type === 'attempt-created') created++;
      if (event.type !== 'status-changed') return;
      const key = `${event.nodeId}:${event.phaseName}`;
      const at = changedAt.get(key);
      if (at !== undefined && (event.phaseName === 'RUNNING' || event.phaseName === 'SUCCEEDED')) {
        latencies[event.phaseName].push(performance.now() - at);
        changedAt.delete(key);
      }
    });

    const started = performance.now();
    const runs = Array.from({ length: pods }, (_, i) => executor.run(template, inputs, { runId: 'bench', nodeId: `n${i}` }));
    while (created < pods) await nextTick();
    const drive = async (phase: 'RUNNING' | 'SUCCEEDED', status: (name: string) => Record<string, unknown>) => {
      for (let i = 0; i < pods; i++) {
        const name = `bench-n${i}-0`;
        changedAt.set(`n${i}:${phase}`, performance.now());
        server.setPodStatus(NAMESPACE, name, status(name));
        if (i % PER_TICK === PER_TICK - 1) {
          peakWatches = Math.max(peakWatches, server.openWatches);
          await nextTick();
        }
      }
    };
    const container = (name: string, state: Record<string, unknown>) => [
      { name, ready: false, restartCount: 0, image: 'busybox', imageID: '', state },
    ];
    await drive('RUNNING', (name) => ({
      phase: 'Running',
      containerStatuses: container(name, { running: { startedAt: new Date().toISOString() } }),
    }));
    while (changedAt.size > 0) await nextTick();
    await drive('SUCCEEDED', (name) => ({
      phase: 'Succeeded',
      containerStatuses: container(name, { terminated: { exitCode: 0, reason: 'Completed' } }),
    }));
    await Promise.all(runs);
    const wallMs = performance.now() - started;
    // Pods are deleted as their attempts end; count those requests too.
    while ((server.requestCounts.delete ?? 0) < pods) await nextTick();
    return {
      mode,
      pods,
      wallMs,
      requests: server.requestCounts,
      peakWatches,
      latenciesMs: latencies,
      startRssMb,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    client.close();
    store.close();
    await server.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function format(watch: Sample, poll: Sample): string {
  const total = (sample: Sample) => Object.values(sample.requests).reduce((a, b) => a + b, 0);
  const verbs = (sample: Sample) =>
    Object.entries(sample.requests)
      .sort(([, a], [, b]) => b - a)
      .map(([verb, n]) => `${verb} ${n}`)
      .join(', ');
  const median = (values: readonly number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  const latency = (values: readonly number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `median ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms (${sorted.length})`;
  };
  const row = (label: string, value: string) => `  ${label.padEnd(44)} ${value}`;
  const side = (name: string, sample: Sample) => [
    `${name}:`,
    row('wall time, submit to last success', `${sample.wallMs.toFixed(0)} ms`),
    row('API requests', `${total(sample)} (${verbs(sample)})`),
    row('open watches (peak)', String(sample.peakWatches)),
    row('status change → status-changed, to RUNNING', latency(sample.latenciesMs.RUNNING)),
    row('status change → status-changed, to SUCCEEDED', latency(sample.latenciesMs.SUCCEEDED)),
    row('RSS before the first pod / peak', `${sample.startRssMb.toFixed(0)} MB / ${sample.peakRssMb.toFixed(0)} MB`),
  ];
  return [
    `${watch.pods.toLocaleString('en')} concurrent pods through kubernetesPod() and the executor, test API server in the same process, statuses set ${PER_TICK} pods per tick`,
    ...side('shared watch (kubernetesPod)', watch),
    ...side(`baseline: a GET per pod every ${POLL_MS} ms`, poll),
    `  ratio (watch / poll): API requests ${(total(watch) / total(poll)).toFixed(2)}x, ` +
      `median latency to RUNNING ${(median(watch.latenciesMs.RUNNING) / median(poll.latenciesMs.RUNNING)).toFixed(3)}x, ` +
      `peak RSS ${(watch.peakRssMb / poll.peakRssMb).toFixed(2)}x`,
  ].join('\n');
}

function measureIn(mode: Mode, pods: number): Sample {
  const child = spawnSync(process.execPath, ['--conditions=@tflyte/source', import.meta.filename, '--measure', mode, String(pods)], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (child.status !== 0) throw new Error(`kubernetes-pods bench (${mode}) failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Sample;
}

/** Runs each side in a fresh process and returns the report. */
export function runKubernetesPods(pods = 1000): string {
  return format(measureIn('watch', pods), measureIn('poll', pods));
}

const args = process.argv.slice(2);
if (args[0] === '--measure') {
  process.stdout.write(`${JSON.stringify(await measure(Number(args[2] ?? 1000), args[1] as Mode))}\n`);
} else if (import.meta.main) {
  console.log(runKubernetesPods(Number(args[0] ?? 1000)));
}
