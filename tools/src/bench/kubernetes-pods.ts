/**
 * Benchmark: what the executor's process costs while it tracks n concurrent pods. n `container`
 * tasks run as pods by kubernetesPod() through the executor, against the test Kubernetes API server
 * running in a process of its own (so the executor's RSS and open fds are its own). The server's
 * process plays the kubelet: told to, it sets every pod Running, then Succeeded, a few per tick, and
 * stamps each write, so the side can time it to the executor's `status-changed` event. A TCP relay in
 * front of the server counts connections on the server's side (accepted, and open at once).
 *
 * Baseline, side by side, in the same kind of process: what a user would write without tflyte —
 * the same pods created with CoreV1Api (32 requests at a time, as the executor's client does), followed
 * by @kubernetes/client-node's own informer (makeInformer), each deleted once it succeeds.
 *
 * Reported per side (medians of alternating runs in fresh processes): peak RSS, open fds (peak, read
 * from /proc/self/fd during the create burst and after), connections the server accepted and had open
 * at once, API requests, and the status-change latency.
 *
 *   npm run bench            (all benchmarks; --quick: 100 pods)
 *   node --conditions=@tflyte/source tools/src/bench/kubernetes-pods.ts [pods …]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics } from 'node:v8';
import { CoreV1Api, KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node';
import { measure, of, paired, quick, runSide, type Sample, type Spread, show, sideArgs, spread, verdict } from './paired.ts';
import type { Series } from './plot.ts';

/** `tflyte-young8`: the executor's side again, in a Node started with a smaller young generation. */
type Side = 'tflyte' | 'informer' | 'tflyte-young8';
const YOUNG_FLAGS: Record<Side, string[]> = { tflyte: [], informer: [], 'tflyte-young8': ['--max-semi-space-size=8'] };
type Phase = 'Running' | 'Succeeded';
const SIDES: readonly Side[] = ['tflyte', 'informer', 'tflyte-young8'];
const SIDE_TITLES: Record<Side, string> = {
  tflyte: 'kubernetesPod + executor',
  informer: 'client-node informer',
  'tflyte-young8': 'same, --max-semi-space-size=8',
};
/** Pods whose status the kubelet writes in one go before yielding to the event loop. */
const PER_TICK = 20;
const NAMESPACE = 'bench';
const CONCURRENCY = 32;
const podName = (i: number) => `bench-n${i}-0`;
const wallClock = () => performance.timeOrigin + performance.now();

/** What the side asks the server's process, and what it answers. */
type Ask = { op: 'drive'; phase: Phase; names: string[] } | { op: 'stats' };
type ServerRequest = Ask & { id: number };
interface ServerStats {
  readonly requests: Record<string, number>;
  readonly connections: number;
  readonly peakOpenConnections: number;
  readonly openWatches: number;
}

// ---- the server's process ------------------------------------------------------------------

async function serve(): Promise<void> {
  const { startKubeApiServer } = await import('@tflyte/testing/kubernetes');
  const server = await startKubeApiServer({ historySize: 1_000_000 });
  const target = new URL(server.url);
  let connections = 0;
  let open = 0;
  let peakOpen = 0;
  const relay = createServer((downstream: Socket) => {
    connections++;
    peakOpen = Math.max(peakOpen, ++open);
    const upstream = tcpConnect(Number(target.port), target.hostname);
    downstream.pipe(upstream).pipe(downstream);
    const end = () => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.once('close', () => {
      open--;
      end();
    });
    upstream.once('close', end);
    downstream.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.on('message', async (message: ServerRequest) => {
    if (message.op === 'stats') {
      const stats: ServerStats = {
        requests: { ...server.requestCounts },
        connections,
        peakOpenConnections: peakOpen,
        openWatches: server.openWatches,
      };
      process.send?.({ id: message.id, stats });
      return;
    }
    const writtenAt: number[] = [];
    for (let i = 0; i < message.names.length; i++) {
      const name = message.names[i]!;
      const state =
        message.phase === 'Running'
          ? { running: { startedAt: new Date().toISOString() } }
          : { terminated: { exitCode: 0, reason: 'Completed' } };
      writtenAt.push(wallClock());
      server.setPodStatus(NAMESPACE, name, {
        phase: message.phase,
        containerStatuses: [{ name, ready: message.phase === 'Running', restartCount: 0, image: 'busybox', imageID: '', state }],
      });
      if (i % PER_TICK === PER_TICK - 1) await nextTick();
    }
    process.send?.({ id: message.id, writtenAt });
  });
  process.on('disconnect', () => void server.close().finally(() => process.exit(0)));
  process.send?.({ ready: { url: `http://127.0.0.1:${port}`, token: server.token } });
}

/** The server's process, and a request/answer channel to it. */
async function startServerProcess(): Promise<{
  kubeConfig: KubeConfig;
  drive(phase: Phase, names: string[]): Promise<number[]>;
  stats(): Promise<ServerStats>;
  stop(): void;
}> {
  const child: ChildProcess = fork(import.meta.filename, ['--server'], { execArgv: ['--conditions=@tflyte/source'], stdio: 'inherit' });
  const waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  let nextId = 0;
  const ready = new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the API server's process exited (${code})`)));
    child.on('message', (message: Record<string, unknown>) => {
      if (message.ready !== undefined) resolve(message.ready as { url: string; token: string });
      else waiting.get(message.id as number)?.(message);
    });
  });
  const ask = (request: Ask): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ ...request, id });
    });
  const { url, token } = await ready;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'bench', server: url, skipTLSVerify: true }],
    users: [{ name: 'bench', token }],
    contexts: [{ name: 'bench', cluster: 'bench', user: 'bench', namespace: NAMESPACE }],
    currentContext: 'bench',
  });
  return {
    kubeConfig,
    drive: async (phase, names) => (await ask({ op: 'drive', phase, names })).writtenAt as number[],
    stats: async () => (await ask({ op: 'stats' })).stats as ServerStats,
    stop: () => child.disconnect(),
  };
}

// ---- the measured sides --------------------------------------------------------------------

/** The most fds open at once, and the largest young generation V8 grew, sampled while the side runs. */
function fdSampler(): { sample(): void; peak(): number; youngMb(): number; stop(): void } {
  let peak = 0;
  let young = 0;
  const sample = () => {
    peak = Math.max(peak, readdirSync('/proc/self/fd').length);
    young = Math.max(young, getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0);
  };
  const timer = setInterval(sample, 10);
  timer.unref();
  return { sample, peak: () => peak, youngMb: () => young / 1048576, stop: () => clearInterval(timer) };
}

/** Per-pod latency from the server's write to the side seeing it, by phase. */
interface Latency {
  seen: Map<string, number>;
  done: Promise<void>;
}

function latencyFor(names: readonly string[]): Latency & { mark(name: string): void } {
  const seen = new Map<string, number>();
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const wanted = new Set(names);
  return {
    seen,
    done,
    mark(name) {
      if (!wanted.has(name) || seen.has(name)) return;
      seen.set(name, wallClock());
      if (seen.size === wanted.size) resolve();
    },
  };
}

async function side(which: Side, pods: number): Promise<void> {
  const server = await startServerProcess();
  const names = Array.from({ length: pods }, (_, i) => podName(i));
  const fds = fdSampler();
  const startRssMb = process.memoryUsage().rss / 1048576;
  const latencies: number[] = [];
  const follow = async (phase: Phase, latency: Latency) => {
    const writtenAt = await server.drive(phase, names);
    await latency.done;
    for (const [i, name] of names.entries()) latencies.push(latency.seen.get(name)! - writtenAt[i]!);
  };
  const done = measure();
  let burstFds = 0;
  /** Runs after the figures are taken: removing the state directory is not the executor's cost. */
  let cleanup = () => {};
  if (which !== 'informer') {
    // Loaded here, not at the top: the baseline's process must not carry tflyte's modules in its RSS.
    const [
      { create },
      { createExecutor, openStateStore },
      { LiteralMapSchema },
      { ContainerSchema },
      { createKubeClient, kubernetesPod },
      { testTaskTemplate },
    ] = await Promise.all([
      import('@bufbuild/protobuf'),
      import('@tflyte/core'),
      import('@tflyte/idl/core/literals'),
      import('@tflyte/idl/core/tasks'),
      import('@tflyte/kubernetes'),
      import('@tflyte/testing'),
    ]);
    const stateDir = mkdtempSync(join(tmpdir(), 'tflyte-bench-k8s-'));
    const store = openStateStore(stateDir);
    const client = createKubeClient({ kubeConfig: server.kubeConfig, maxConcurrentRequests: CONCURRENCY });
    const executor = createExecutor({
      store,
      stateDir,
      backends: { container: kubernetesPod({ client, namespace: NAMESPACE }) },
    });
    const template = testTaskTemplate({ type: 'container', name: 'bench.pod' });
    template.target = { case: 'container', value: create(ContainerSchema, { image: 'busybox', command: ['true'] }) };
    const inputs = create(LiteralMapSchema);
    const running = latencyFor(names);
    const succeeded = latencyFor(names);
    let created = 0;
    executor.on((event) => {
      if (event.type === 'attempt-created') created++;
      if (event.type !== 'status-changed') return;
      const name = podName(Number(event.nodeId.slice(1)));
      if (event.phaseName === 'RUNNING') running.mark(name);
      if (event.phaseName === 'SUCCEEDED') succeeded.mark(name);
    });
    const runs = Array.from({ length: pods }, (_, i) => executor.run(template, inputs, { runId: 'bench', nodeId: `n${i}` }));
    for (let ticks = 0; created < pods; ticks++) {
      if (ticks % 20 === 0) fds.sample();
      await nextTick();
    }
    burstFds = fds.peak();
    await follow('Running', running);
    await follow('Succeeded', succeeded);
    const results = await Promise.all(runs);
    if (results.length !== pods) throw new Error(`expected ${pods} results, got ${results.length}`);
    while (((await server.stats()).requests.delete ?? 0) < pods) await new Promise((r) => setTimeout(r, 20));
    client.close();
    cleanup = () => {
      store.close();
      rmSync(stateDir, { recursive: true, force: true });
    };
  } else {
    // What a user would write: create the pods, follow them with the client's informer, delete each that succeeded.
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    const running = latencyFor(names);
    const succeeded = latencyFor(names);
    const deleted: Promise<unknown>[] = [];
    // A user's code bounds its requests too (10k deletes at once, each on a new connection, get reset).
    let active = 0;
    const queue: (() => void)[] = [];
    const limited = async <T>(call: () => Promise<T>): Promise<T> => {
      if (active >= CONCURRENCY) await new Promise<void>((resolve) => queue.push(resolve));
      else active++;
      try {
        return await call();
      } finally {
        const next = queue.shift();
        if (next === undefined) active--;
        else next();
      }
    };
    const informer = makeInformer(
      server.kubeConfig,
      `/api/v1/namespaces/${NAMESPACE}/pods`,
      () => core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app.kubernetes.io/managed-by=bench' }),
      'app.kubernetes.io/managed-by=bench',
    );
    const onPod = (pod: V1Pod) => {
      const name = pod.metadata?.name ?? '';
      if (pod.status?.phase === 'Running') running.mark(name);
      if (pod.status?.phase === 'Succeeded' && !succeeded.seen.has(name)) {
        succeeded.mark(name);
        deleted.push(limited(() => core.deleteNamespacedPod({ namespace: NAMESPACE, name })));
      }
    };
    informer.on('add', onPod);
    informer.on('update', onPod);
    informer.on('error', () => setTimeout(() => void informer.start(), 200));
    await informer.start();
    let next = 0;
    const worker = async () => {
      while (next < pods) {
        const name = names[next++]!;
        await core.createNamespacedPod({
          namespace: NAMESPACE,
          body: {
            metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'bench' } },
            spec: { restartPolicy: 'Never', containers: [{ name, image: 'busybox', command: ['true'] }] },
          },
        });
        fds.sample();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    burstFds = fds.peak();
    await follow('Running', running);
    await follow('Succeeded', succeeded);
    await Promise.all(deleted);
    if (deleted.length !== pods) throw new Error(`expected ${pods} deletes, got ${deleted.length}`);
    await informer.stop();
  }
  const stats = await server.stats();
  fds.stop();
  const sorted = latencies.sort((a, b) => a - b);
  done({
    startRssMb,
    burstFds,
    peakFds: fds.peak(),
    youngGenerationMb: fds.youngMb(),
    connections: stats.connections,
    peakOpenConnections: stats.peakOpenConnections,
    requests: Object.values(stats.requests).reduce((a, b) => a + b, 0),
    creates: stats.requests.create ?? 0,
    latencyMedianMs: sorted[sorted.length >> 1]!,
    latencyP99Ms: sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!,
  });
  cleanup();
  server.stop();
  // Keep-alive sockets and the informers' timers would hold the process open; its figures are out.
  process.exit(0);
}

// ---- the report ------------------------------------------------------------------------------

export interface PodsResult {
  readonly pods: number;
  readonly samples: Record<Side, Sample[]>;
}

const TARGET_MB: Record<number, number> = { 1000: 200, 10000: 600 };

function extra(samples: readonly Sample[], field: string) {
  return spread(samples.map((s) => s.extra?.[field] ?? Number.NaN));
}

function format(results: readonly PodsResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    const at = (label: string, value: (s: readonly Sample[]) => string) =>
      `  ${label.padEnd(40)} ${SIDES.map((side) => value(result.samples[side]).padEnd(26)).join(' ')}`;
    lines.push(
      `${result.pods.toLocaleString('en')} concurrent pods, API server in its own process (${result.samples.tflyte.length} runs per side, medians (min–max))`,
      `  ${''.padEnd(40)} ${SIDES.map((side) => SIDE_TITLES[side].padEnd(26)).join(' ')}`,
      at('peak RSS (MB)', (s) => show(of(s, 'peakRssMb'))),
      at('RSS at start (MB)', (s) => show(extra(s, 'startRssMb'))),
      at("V8's young generation, largest (MB)", (s) => show(extra(s, 'youngGenerationMb'))),
      at('open fds, peak during the create burst', (s) => show(extra(s, 'burstFds'))),
      at('open fds, peak', (s) => show(extra(s, 'peakFds'))),
      at('connections accepted by the server', (s) => show(extra(s, 'connections'))),
      at('connections open at once (peak)', (s) => show(extra(s, 'peakOpenConnections'))),
      at('API requests', (s) => show(extra(s, 'requests'))),
      at('write → seen, median (ms)', (s) => show(extra(s, 'latencyMedianMs'), 1)),
      at('write → seen, p99 (ms)', (s) => show(extra(s, 'latencyP99Ms'), 1)),
      at('CPU (ms)', (s) => show(of(s, 'cpuMs'))),
      at('wall (ms)', (s) => show(of(s, 'wallMs'))),
    );
    const rss = of(result.samples.tflyte, 'peakRssMb').median;
    const target = TARGET_MB[result.pods];
    if (target !== undefined) {
      lines.push(verdict(`executor peak RSS at ${result.pods.toLocaleString('en')} pods`, rss, target, ' MB'));
      const young = of(result.samples['tflyte-young8'], 'peakRssMb').median;
      lines.push(verdict('  the same, young generation capped', young, target, ' MB'));
    }
    lines.push(
      verdict('executor / informer peak RSS', rss / of(result.samples.informer, 'peakRssMb').median, 1.5),
      `  executor connections per pod: ${(extra(result.samples.tflyte, 'connections').median / result.pods).toFixed(3)} (1 = a connection per request)`,
      '',
    );
  }
  return lines.join('\n').trimEnd();
}

const script = import.meta.filename;

/** Each side in a fresh process, alternating, for every n. */
export function measureKubernetesPods(
  sizes: readonly number[] = quick() ? [100] : [1000, 10_000],
  rounds = quick() ? 1 : Number(process.env.BENCH_ROUNDS ?? 3),
): { text: string; results: PodsResult[] } {
  const results = sizes.map((pods) => ({ pods, samples: paired(SIDES, rounds, (s) => runSide(script, s, [pods], YOUNG_FLAGS[s])) }));
  return { text: format(results), results };
}

/** The report for `npm run bench`. */
export function runKubernetesPods(pods: number | readonly number[] = quick() ? [100] : [1000, 10_000]): string {
  return measureKubernetesPods(typeof pods === 'number' ? [pods] : pods).text;
}

const child = sideArgs();
if (process.argv[2] === '--server') {
  await serve();
} else if (child !== undefined) {
  await side(child.side as Side, Number(child.args[0] ?? 1000));
} else if (import.meta.main) {
  const sizes = process.argv
    .slice(2)
    .filter((a) => /^\d+$/.test(a))
    .map(Number);
  if (process.argv.includes('--plot')) {
    // Loaded only here: plot.ts loads the map bench (and tflyte's core), which the sides must not carry.
    const { linePlot } = await import('./plot.ts');
    const { text, results } = measureKubernetesPods(sizes.length > 0 ? sizes : [100, 1000, 10_000], 1);
    console.log(text);
    const docs = resolve(fileURLToPath(import.meta.url), '../../../../docs');
    const colors: Record<Side, string> = { tflyte: '#d62728', informer: '#1f77b4', 'tflyte-young8': '#ff7f0e' };
    const series = (value: (s: readonly Sample[]) => Spread): Series[] =>
      SIDES.map((side) => ({
        name: SIDE_TITLES[side],
        color: colors[side],
        points: results.map((r) => ({ x: r.pods, y: value(r.samples[side]) })),
      }));
    writeFileSync(
      join(docs, 'perf-pods-rss.svg'),
      linePlot(
        'pods: peak RSS of the process tracking them',
        'concurrent pods (log scale)',
        'peak RSS (MB)',
        series((s) => of(s, 'peakRssMb')),
      ),
    );
    writeFileSync(
      join(docs, 'perf-pods-fds.svg'),
      linePlot(
        'pods: open fds of the process tracking them (peak)',
        'concurrent pods (log scale)',
        'open fds',
        series((s) => extra(s, 'peakFds')),
      ),
    );
  } else {
    console.log(runKubernetesPods(sizes.length > 0 ? sizes : undefined));
  }
}
