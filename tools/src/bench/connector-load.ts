/**
 * Benchmark: one connector process under load. `tflyte connector serve` (the command a user runs,
 * in its own process, serving the Athena plugin of a tflyte.config.ts) takes N concurrent CreateTask
 * calls, then GetTask rounds over every job until all are SUCCEEDED, from a driver process calling
 * it through connectorBackend over gRPC. Reported: CreateTask and GetTask throughput and latency
 * (median, p99), the connector's CPU during the load and its RSS, read from the connector process
 * itself (/proc/<pid>/status: VmRSS when idle and at the end, VmHWM for the peak).
 *
 * Baseline, side by side: the same N jobs driven through the plugin's backend directly, in one
 * process, without gRPC or a connector in between. Both sides run the same calls against the same
 * wire-level Athena server (real @aws-sdk/client-athena, DuckDB), which lives in the bench's own
 * process; every job's rows are checked on both sides. Sides alternate (A B, then B A) in fresh
 * processes, as paired.ts does. Athena's client-side rate limits are off on both sides (they would
 * measure the token bucket, 10 qps, not the connector); the connector's bound on concurrent creates
 * keeps its default (100), as deployed.
 *
 *   npm run bench -- --only connector
 *   node --conditions=@tflyte/source tools/src/bench/connector-load.ts [jobs]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connectorBackend } from '@tflyte/connector';
import { type AsyncBackend, fromLiteralMap, isTerminalPhase, Phase, systemClock, t, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { athenaPlugin, athenaTask } from '@tflyte/plugin-athena';
import { startAthenaServer } from '@tflyte/plugin-athena/testing';
import { testAttemptContext } from '@tflyte/testing';
import { quick, type Spread, show, sideArgs, spread } from './paired.ts';

type Side = 'connector' | 'direct';

/** Jobs are spread over this many buckets of rows, so each job's result is its own and checkable. */
const BUCKETS = 10;
const ROWS_PER_BUCKET = 3;
/** Pause between GetTask rounds, as propeller pauses between its rounds over live jobs. */
const ROUND_PAUSE_MS = 20;
const CREDENTIALS = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDBENCH', AWS_SECRET_ACCESS_KEY: 'bench-secret' };
const UNLIMITED = { rateLimits: { read: false, write: false } } as const;
/** Jobs each side runs before measuring (JIT, connections, ListAgents), as a long-running connector is warm. */
const WARMUP_JOBS = 20;
/** The driver's line saying it is warm; the bench answers on its stdin to start the measured jobs. */
const WARM = 'warm';

const bucketRows = athenaTask({
  name: 'bucketRows',
  query: 'SELECT id FROM items WHERE bucket = {{ .inputs.bucket }} ORDER BY id',
  inputs: { bucket: t.int() },
  database: 'bench',
  outputs: { rows: t.list(t.struct()) },
});

/** What the driver of one side measured. */
interface DriverSample {
  readonly wallMs: number;
  readonly createWallMs: number;
  readonly getWallMs: number;
  readonly gets: number;
  readonly createLatencyMs: readonly number[];
  readonly getLatencyMs: readonly number[];
  /** CPU of the driver process over the load (for the direct side: all the work). */
  readonly cpuMs: number;
  readonly peakRssMb: number;
}

/** What the bench read from the connector process. */
interface ConnectorSample {
  /** Over the measured jobs only. */
  readonly cpuMs: number;
  /** Just started, serving nothing yet. */
  readonly freshRssMb: number;
  /** After the warm-up jobs, before the measured ones. */
  readonly warmRssMb: number;
  readonly endRssMb: number;
  readonly peakRssMb: number;
  /** V8 heap in use after the load, from the connector's own /metrics. */
  readonly heapMb: number;
  readonly creates: number;
}

interface RoundSample {
  readonly driver: DriverSample;
  readonly connector?: ConnectorSample;
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

/** N jobs through `backend`: all created at once, then polled in rounds until every one SUCCEEDED, each result checked. */
async function drive(backend: AsyncBackend, jobs: number, label: string): Promise<DriverSample> {
  const template = toTaskTemplate(bucketRows, { version: 'bench' });
  const run = `${label}-${process.pid}-${Date.now().toString(36)}`;
  const contexts = Array.from({ length: jobs }, (_, i) =>
    testAttemptContext({
      template,
      inputs: toLiteralMap(bucketRows.inputs, { bucket: i % BUCKETS }),
      // Distinct per run: the Athena server de-duplicates StartQueryExecution by client token.
      idempotencyToken: `bench-${run}-${i}`,
      generatedName: `bench-${i}`,
      outputPrefix: `s3://bench/metadata/${run}/${i}`,
      rawOutputPrefix: `s3://bench/raw/${run}/${i}`,
      clock: systemClock,
    }),
  );
  const cpu = process.cpuUsage();
  const started = performance.now();
  const createLatencyMs: number[] = [];
  const handles = await Promise.all(
    contexts.map(async (ctx) => {
      const at = performance.now();
      const handle = await backend.create(ctx);
      createLatencyMs.push(performance.now() - at);
      return handle;
    }),
  );
  const created = performance.now();
  const getLatencyMs: number[] = [];
  let live = handles.map((handle, i) => ({ handle, i }));
  while (live.length > 0) {
    const next: typeof live = [];
    await Promise.all(
      live.map(async (job) => {
        const at = performance.now();
        const status = await backend.get(job.handle, contexts[job.i]!);
        getLatencyMs.push(performance.now() - at);
        if (!isTerminalPhase(status.phase)) return void next.push(job);
        if (status.phase !== Phase.SUCCEEDED) throw new Error(`job ${job.i} ended ${Phase[status.phase]}: ${status.failure?.message}`);
        const { rows } = fromLiteralMap(bucketRows.outputs.types, status.outputs!) as { rows: { id: number }[] };
        const bucket = job.i % BUCKETS;
        const expected = Array.from({ length: ROWS_PER_BUCKET }, (_, r) => ({ id: bucket * ROWS_PER_BUCKET + r }));
        if (JSON.stringify(rows) !== JSON.stringify(expected)) throw new Error(`job ${job.i} returned ${JSON.stringify(rows)}`);
      }),
    );
    live = next;
    if (live.length > 0) await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
  }
  const done = performance.now();
  const used = process.cpuUsage(cpu);
  return {
    wallMs: done - started,
    createWallMs: created - started,
    getWallMs: done - created,
    gets: getLatencyMs.length,
    createLatencyMs,
    getLatencyMs,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

// --- processes -------------------------------------------------------------------------------

const SELF = fileURLToPath(import.meta.url);
// The CLI's source, as the repository's bin runs it without a build (a stale dist/ must not be measured).
const TFLYTE_CLI = fileURLToPath(new URL('../../../packages/cli/src/main.ts', import.meta.url));
const ATHENA_PLUGIN_SOURCE = pathToFileURL(fileURLToPath(new URL('../../../packages/plugin-athena/src/index.ts', import.meta.url))).href;

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Runs a side's driver in a fresh process (async: the Athena server in this process must keep
 * answering). The driver warms up first; `onWarm` runs before the measured jobs start.
 */
async function runDriver(args: readonly string[], athenaEndpoint: string, onWarm: () => void = () => {}): Promise<DriverSample> {
  const child = spawn(process.execPath, ['--conditions=@tflyte/source', SELF, '--side', ...args], {
    env: { ...process.env, ...CREDENTIALS, AWS_ENDPOINT_URL_ATHENA: athenaEndpoint },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    if (line === WARM) {
      onWarm();
      child.stdin!.end('go\n');
    }
  });
  const code = await exited(child);
  if (code !== 0) throw new Error(`driver ${args[0]} failed (exit ${code}): ${stderr.slice(-2000)}`);
  return JSON.parse(lines.at(-1)!) as DriverSample;
}

/** CPU (ms) and memory (MB) of another process, from /proc (Linux). */
function processUsage(pid: number): { cpuMs: number; rssMb: number; peakRssMb: number } {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN);
  // Linux reports CPU time in clock ticks of 10 ms (USER_HZ = 100).
  return { cpuMs: ticks * 10, rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/** `tflyte connector serve` in a project whose tflyte.config.ts registers the Athena plugin, then the driver against it. */
async function connectorRound(jobs: number, athenaEndpoint: string): Promise<RoundSample> {
  const project = mkdtempSync(join(tmpdir(), 'tflyte-bench-connector-'));
  writeFileSync(
    join(project, 'tflyte.config.ts'),
    `import { athenaPlugin } from ${JSON.stringify(ATHENA_PLUGIN_SOURCE)};\nexport default { plugins: [athenaPlugin(${JSON.stringify(UNLIMITED)})] };\n`,
  );
  const serve = spawn(
    process.execPath,
    ['--conditions=@tflyte/source', TFLYTE_CLI, 'connector', 'serve', '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0'],
    {
      cwd: project,
      env: { ...process.env, ...CREDENTIALS, AWS_ENDPOINT_URL_ATHENA: athenaEndpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The connector's JSON-line log is part of its cost; the bench only drains it.
  let tail = '';
  serve.stderr!.on('data', (c: Buffer) => (tail = (tail + c.toString()).slice(-4000)));
  try {
    const banner = await new Promise<string>((resolve, reject) => {
      createInterface({ input: serve.stdout! }).on('line', (line) => {
        if (line.includes('serving')) resolve(line);
      });
      void exited(serve).then((code) => reject(new Error(`tflyte connector serve exited with ${code}: ${tail}`)));
    });
    const url = /on (http:\/\/\S+)/.exec(banner)?.[1];
    const metricsUrl = /metrics (http:\/\/\S+?)\)/.exec(banner)?.[1];
    if (url === undefined || metricsUrl === undefined) throw new Error(`unexpected banner: ${banner}`);
    const fresh = processUsage(serve.pid!);
    let warm = fresh;
    const driver = await runDriver(['connector', String(jobs), url], athenaEndpoint, () => {
      warm = processUsage(serve.pid!);
    });
    const end = processUsage(serve.pid!);
    const metrics = await (await fetch(metricsUrl)).text();
    const creates = Number(
      /^tflyte_connector_requests_total\{task_type="presto",operation="create",outcome="success"\} (\d+)$/m.exec(metrics)?.[1] ??
        Number.NaN,
    );
    const heapMb = Number(/^nodejs_heap_size_used_bytes (\d+)$/m.exec(metrics)?.[1]) / 1048576;
    if (creates !== jobs + WARMUP_JOBS)
      throw new Error(`the connector counted ${creates} successful creates for ${jobs} + ${WARMUP_JOBS} jobs`);
    return {
      driver,
      connector: {
        cpuMs: end.cpuMs - warm.cpuMs,
        freshRssMb: fresh.rssMb,
        warmRssMb: warm.rssMb,
        endRssMb: end.rssMb,
        peakRssMb: end.peakRssMb,
        heapMb,
        creates,
      },
    };
  } finally {
    serve.kill('SIGTERM');
    await exited(serve);
    rmSync(project, { recursive: true, force: true });
  }
}

// --- report ----------------------------------------------------------------------------------

export async function runConnectorLoad(jobs: number): Promise<string> {
  const rounds = quick() ? 1 : 3;
  const athena = await startAthenaServer({ queuedMs: 5, runningMs: 50, workGroups: { primary: { outputLocation: 's3://bench/athena/' } } });
  const samples: Record<Side, RoundSample[]> = { connector: [], direct: [] };
  // Both sides must make the same Athena calls, or the comparison is not of the same work.
  const athenaCalls: Record<Side, Map<string, number>> = { connector: new Map(), direct: new Map() };
  try {
    const rows = Array.from({ length: BUCKETS * ROWS_PER_BUCKET }, (_, id) => `(${id}, ${Math.floor(id / ROWS_PER_BUCKET)})`).join(', ');
    await athena.sql(`CREATE SCHEMA bench; CREATE TABLE bench.items(id INTEGER, bucket INTEGER); INSERT INTO bench.items VALUES ${rows};`);
    for (let round = 0; round < rounds; round++) {
      const order: Side[] = round % 2 === 0 ? ['connector', 'direct'] : ['direct', 'connector'];
      for (const side of order) {
        const before = athena.requests.length;
        samples[side].push(
          side === 'connector'
            ? await connectorRound(jobs, athena.endpoint)
            : { driver: await runDriver(['direct', String(jobs), athena.endpoint], athena.endpoint) },
        );
        for (const r of athena.requests.slice(before)) athenaCalls[side].set(r.op, (athenaCalls[side].get(r.op) ?? 0) + 1);
      }
    }
    const starts = athena.requests.filter((r) => r.op === 'StartQueryExecution').length;
    const expected = (jobs + WARMUP_JOBS) * rounds * 2;
    if (starts !== expected) throw new Error(`Athena saw ${starts} StartQueryExecution calls, expected ${expected}`);
  } finally {
    await athena.close();
  }

  const over = (side: Side, read: (s: RoundSample) => number): Spread => spread(samples[side].map(read));
  const rate = (count: (s: DriverSample) => number, ms: (s: DriverSample) => number) => (s: RoundSample) =>
    count(s.driver) / (ms(s.driver) / 1000);
  const row = (label: string, read: (s: RoundSample) => number, digits: number, unit: string): string => {
    const c = over('connector', read);
    const d = over('direct', read);
    return `  ${label.padEnd(26)} ${`${show(c, digits)} ${unit}`.padEnd(28)} ${`${show(d, digits)} ${unit}`.padEnd(28)} ${(c.median / d.median).toFixed(2)}x`;
  };
  const conn = (read: (c: ConnectorSample) => number): Spread => over('connector', (s) => read(s.connector!));
  return [
    `${jobs} concurrent jobs: CreateTask all at once, then GetTask rounds until every job SUCCEEDED (rows checked), ${rounds} round(s) a side`,
    `against the wire-level Athena server; connector = one \`tflyte connector serve\` process called over gRPC (connectorBackend),`,
    `direct = the Athena plugin's backend called in-process, no gRPC. Median (min–max).`,
    `  ${''.padEnd(26)} ${'connector'.padEnd(28)} ${'direct'.padEnd(28)} ratio`,
    row(
      'CreateTask throughput',
      rate(
        () => jobs,
        (d) => d.createWallMs,
      ),
      0,
      'calls/s',
    ),
    row('CreateTask latency p50', (s) => percentile(s.driver.createLatencyMs, 50), 0, 'ms'),
    row('CreateTask latency p99', (s) => percentile(s.driver.createLatencyMs, 99), 0, 'ms'),
    row('CreateTask latency max', (s) => percentile(s.driver.createLatencyMs, 100), 0, 'ms'),
    row(
      'GetTask throughput',
      rate(
        (d) => d.gets,
        (d) => d.getWallMs,
      ),
      0,
      'calls/s',
    ),
    row('GetTask latency p50', (s) => percentile(s.driver.getLatencyMs, 50), 0, 'ms'),
    row('GetTask latency p99', (s) => percentile(s.driver.getLatencyMs, 99), 0, 'ms'),
    row('GetTask calls', (s) => s.driver.gets, 0, ''),
    row('wall, first create → done', (s) => s.driver.wallMs, 0, 'ms'),
    `  CPU over the load: connector process ${show(conn((c) => c.cpuMs))} ms + its driver ${show(over('connector', (s) => s.driver.cpuMs))} ms; direct process ${show(over('direct', (s) => s.driver.cpuMs))} ms`,
    `  connector RSS (its /proc status): started ${show(conn((c) => c.freshRssMb))} MB, warm ${show(conn((c) => c.warmRssMb))} MB, after the load ${show(conn((c) => c.endRssMb))} MB, peak ${show(conn((c) => c.peakRssMb))} MB; heap in use after the load ${show(conn((c) => c.heapMb))} MB`,
    `  Athena calls, all rounds (warm-up included): connector ${[...athenaCalls.connector].map(([op, n]) => `${op} ${n}`).join(', ')}; direct ${[...athenaCalls.direct].map(([op, n]) => `${op} ${n}`).join(', ')}`,
    `  direct process peak RSS ${show(over('direct', (s) => s.driver.peakRssMb))} MB (it also holds the jobs' results)`,
  ].join('\n');
}

// --- entry points ----------------------------------------------------------------------------

const side = sideArgs();
if (side !== undefined) {
  const [jobs, endpoint] = side.args as [string, string];
  const backend =
    side.side === 'connector'
      ? // Propeller's 10 s CreateTask deadline can pass for the last of 1,000 queued creates on a loaded machine:
        // the bench measures throughput, so it waits (the report shows how long the last ones took).
        connectorBackend({ endpoint, taskTypes: ['presto'], timeouts: { create: 120_000, get: 120_000 } })
      : // The plugin exactly as the connector's tflyte.config.ts has it: region, keys and endpoint from the environment.
        (athenaPlugin(UNLIMITED).backend as AsyncBackend);
  await drive(backend, WARMUP_JOBS, 'warmup');
  process.stdout.write(`${WARM}\n`);
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdout.write(`${JSON.stringify(await drive(backend, Number(jobs), 'measured'))}\n`);
  process.exit(0);
} else if (import.meta.main) {
  console.log(await runConnectorLoad(Number(process.argv[2] ?? (quick() ? 50 : 1000))));
}
