/**
 * Benchmark: how late a warehouse query's completion is seen, against the query's length, and the
 * status calls a 1-hour query costs — for Athena, BigQuery and Snowflake, each through its plugin,
 * the executor and the real client against its wire-level test server.
 *
 * Time is a fake clock (createFakeClock from @tflyte/testing) handed to the executor, so the real
 * schedule code runs and a 120 s query takes milliseconds: the query is released on the server when
 * the clock reaches its length (its SQL then runs on DuckDB, in real time, before the next status
 * call), and lateness is when the executor saw it end minus that length. Status calls are counted on
 * the server.
 *
 * Side by side, for every warehouse: Flyte's web-API plugins' fixed 30 s resync, a fixed 1 s, the
 * plugin's own default before this work (1 s, ×1.5, capped at 10–15 s) and the warehouse schedule
 * (WAREHOUSE_POLL: 1 s apart for 10 s, then 10 % of the elapsed time, at most 5 min).
 *
 *   npm run bench            (all benchmarks; --quick: fewer lengths, one warehouse's hour)
 *   node --conditions=@tflyte/source tools/src/bench/warehouse-lateness.ts [--plot]   (--plot writes docs/perf-lateness.svg)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Clock,
  createExecutor,
  createRegistry,
  openStateStore,
  type Plugin,
  type PollPolicy,
  t,
  toLiteralMap,
  toTaskTemplate,
} from '@tflyte/core';
import type { LiteralMap } from '@tflyte/idl/core/literals';
import type { TaskTemplate } from '@tflyte/idl/core/tasks';
import { athenaPlugin, athenaTask } from '@tflyte/plugin-athena';
import { startAthenaServer } from '@tflyte/plugin-athena/testing';
import { bigqueryPlugin, bigqueryTask } from '@tflyte/plugin-bigquery';
import { startBigQueryServer } from '@tflyte/plugin-bigquery/testing';
import { snowflakePlugin, snowflakeTask } from '@tflyte/plugin-snowflake';
import { startSnowflakeServer } from '@tflyte/plugin-snowflake/testing';
import { createFakeClock } from '@tflyte/testing';
import { WAREHOUSE_POLL } from '@tflyte/warehouse';
import { quick, type Spread, spread, verdict } from './paired.ts';
import { linePlot, type Series } from './plot.ts';

type PolicyName = 'flyte' | 'fixed1s' | 'before' | 'schedule';
const POLICIES: readonly PolicyName[] = ['flyte', 'fixed1s', 'before', 'schedule'];
const TITLES: Record<PolicyName, string> = {
  flyte: "Flyte's web-API resync, fixed 30 s",
  fixed1s: 'fixed 1 s',
  before: 'plugin default before (1 s, x1.5, cap 10-15 s)',
  schedule: 'warehouse schedule (1 s, then 10% of elapsed)',
};
const HOUR_MS = 3_600_000;
/** BigQuery's per-call deadline, set apart from every poll delay: the bench's clock never lets it fire. */
const CALL_DEADLINE_MS = 7_777_777;

/** One warehouse's test server, its plugin and a task that waits for the bench to release it. */
interface Warehouse {
  readonly name: string;
  /** The status call, as the service names it. */
  readonly statusCall: string;
  readonly before: PollPolicy;
  plugin(poll: PollPolicy): Plugin;
  readonly template: TaskTemplate;
  readonly inputs: LiteralMap;
  /** Lets the running query finish; resolves once the server reports it over. */
  release(): Promise<void>;
  statusCalls(): number;
  close(): Promise<void>;
}

const until = async (done: () => boolean): Promise<void> => {
  while (!done()) await new Promise((r) => setTimeout(r, 2));
};

async function athena(): Promise<Warehouse> {
  const server = await startAthenaServer({
    queuedMs: 0,
    runningMs: Number.POSITIVE_INFINITY,
    workGroups: { primary: { outputLocation: 's3://results/athena/' } },
  });
  await server.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders(region VARCHAR); INSERT INTO sales.orders VALUES ('eu');`);
  const task = athenaTask({
    name: 'regionTotals',
    query: 'SELECT count(*) AS n FROM orders WHERE region = {{ .inputs.region }}',
    inputs: { region: t.string() },
    database: 'sales',
  });
  const live = () => server.executions().filter((e) => e.state === 'RUNNING' || e.state === 'QUEUED');
  return {
    name: 'Athena',
    statusCall: 'GetQueryExecution',
    before: { initialMs: 1000, multiplier: 1.5, maxMs: 10_000 },
    plugin: (poll) =>
      athenaPlugin({
        region: 'us-east-1',
        endpoint: server.endpoint,
        credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
        poll,
      }),
    template: toTaskTemplate(task, { version: 'bench' }),
    inputs: toLiteralMap(task.inputs, { region: 'eu' }),
    async release() {
      for (const execution of live()) server.advance(execution.queryExecutionId);
      await until(() => live().length === 0);
    },
    statusCalls: () => server.requests.filter((r) => r.op === 'GetQueryExecution').length,
    close: () => server.close(),
  };
}

async function bigquery(): Promise<Warehouse> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  const server = await startBigQueryServer({ queuedMs: 0, runningMs: Number.POSITIVE_INFINITY });
  await server.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders(region VARCHAR); INSERT INTO sales.orders VALUES ('eu');`);
  const task = bigqueryTask({
    name: 'regionCount',
    query: 'SELECT count(*) AS n FROM sales.orders WHERE region = {{ .inputs.region }}',
    inputs: { region: t.string() },
    projectId: 'bench-project',
  });
  const live = () => server.jobs().filter((job) => job.state === 'RUNNING' || job.state === 'QUEUED');
  return {
    name: 'BigQuery',
    statusCall: 'jobs.get',
    before: { initialMs: 1000, multiplier: 1.5, maxMs: 10_000 },
    plugin: (poll) => bigqueryPlugin({ apiEndpoint: server.endpoint, callTimeoutMs: CALL_DEADLINE_MS, poll }),
    template: toTaskTemplate(task, { version: 'bench' }),
    inputs: toLiteralMap(task.inputs, { region: 'eu' }),
    async release() {
      for (const job of live()) server.advance(job.spec.jobId);
      await until(() => live().length === 0);
    },
    statusCalls: () => server.log.count('jobs.get'),
    close: () => server.close(),
  };
}

async function snowflake(): Promise<Warehouse> {
  const server = await startSnowflakeServer({
    onQuery: (q) => (/FROM orders/.test(q.sqlText) ? { runningMs: Number.POSITIVE_INFINITY } : undefined),
  });
  await server.sql("CREATE TABLE SALES.PUBLIC.orders(region VARCHAR); INSERT INTO SALES.PUBLIC.orders VALUES ('eu');", 'SALES', 'PUBLIC');
  const task = snowflakeTask({
    name: 'regionTotals',
    query: 'SELECT count(*) AS n FROM orders WHERE region = {{ .inputs.region }}',
    inputs: { region: t.string() },
    account: 'tflyte',
    user: 'bench',
    database: 'SALES',
    schema: 'PUBLIC',
    warehouse: 'COMPUTE_WH',
    outputs: { rows: t.list(t.struct()) },
  });
  const live = () => server.executions(/FROM orders/).filter((q) => q.status === 'RUNNING' || q.status === 'QUEUED');
  return {
    name: 'Snowflake',
    statusCall: 'getQueryStatus',
    before: { initialMs: 1000, multiplier: 1.5, maxMs: 15_000 },
    plugin: (poll) => snowflakePlugin({ accessUrl: server.endpoint, password: 'bench', poll }),
    template: toTaskTemplate(task, { version: 'bench' }),
    inputs: toLiteralMap(task.inputs, { region: 'eu' }),
    async release() {
      for (const query of live()) server.advance(query.queryId);
      await until(() => live().length === 0);
    },
    statusCalls: () => server.calls.filter((c) => c.op === 'status').length,
    close: () => server.close(),
  };
}

const WAREHOUSES = { athena, bigquery, snowflake } as const;

function policy(name: PolicyName, warehouse: Warehouse): PollPolicy {
  switch (name) {
    case 'flyte':
      return { initialMs: 30_000, multiplier: 1, maxMs: 30_000 };
    case 'fixed1s':
      return { initialMs: 1000, multiplier: 1, maxMs: 1000 };
    case 'before':
      return warehouse.before;
    case 'schedule':
      return WAREHOUSE_POLL;
  }
}

interface Run {
  readonly lateMs: number;
  readonly calls: number;
}

let runs = 0;

/** One query of `lengthMs` (virtual) through the executor under `poll`. */
async function runQuery(
  warehouse: Warehouse,
  poll: PollPolicy,
  lengthMs: number,
  stateDir: string,
  store: ReturnType<typeof openStateStore>,
): Promise<Run> {
  const fake = createFakeClock({ autoAdvance: true });
  let released = false;
  const clock: Clock = {
    now: () => fake.now(),
    async sleep(ms, signal) {
      // A call's deadline: the call is answered in real time, so it never expires here.
      if (ms === CALL_DEADLINE_MS)
        return new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
      await fake.sleep(ms, signal);
      if (!released && fake.now() >= lengthMs) {
        released = true;
        await warehouse.release();
      }
    },
  };
  const before = warehouse.statusCalls();
  const executor = createExecutor({ registry: createRegistry({ plugins: [warehouse.plugin(poll)] }), store, stateDir, clock });
  await executor.run(warehouse.template, warehouse.inputs, { runId: `lateness-${runs++}` });
  if (!released) throw new Error(`${warehouse.name}: the run ended before its query was released`);
  return { lateMs: fake.now() - lengthMs, calls: warehouse.statusCalls() - before };
}

export interface LatenessResult {
  readonly warehouse: string;
  readonly statusCall: string;
  readonly lengthsMs: readonly number[];
  readonly late: Record<PolicyName, number[]>;
  /** Status calls of a 1-hour query; undefined where it was not run (--quick). */
  readonly hourCalls: Partial<Record<PolicyName, number>>;
}

/** Query lengths from 1 s to 120 s, evenly spaced on a log scale (not whole seconds, as real queries). */
export function queryLengths(n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.round(1000 * 120 ** (i / (n - 1)) + 137 * (i % 2)));
}

async function measureWarehouse(
  make: () => Promise<Warehouse>,
  lengthsMs: readonly number[],
  hourPolicies: readonly PolicyName[],
): Promise<LatenessResult> {
  const warehouse = await make();
  const stateDir = mkdtempSync(join(tmpdir(), 'tflyte-bench-lateness-'));
  const store = openStateStore(stateDir);
  try {
    const late = Object.fromEntries(POLICIES.map((p) => [p, [] as number[]])) as Record<PolicyName, number[]>;
    for (const name of POLICIES) {
      for (const length of lengthsMs) late[name].push((await runQuery(warehouse, policy(name, warehouse), length, stateDir, store)).lateMs);
    }
    const hourCalls: Partial<Record<PolicyName, number>> = {};
    for (const name of hourPolicies) hourCalls[name] = (await runQuery(warehouse, policy(name, warehouse), HOUR_MS, stateDir, store)).calls;
    return { warehouse: warehouse.name, statusCall: warehouse.statusCall, lengthsMs, late, hourCalls };
  } finally {
    store.close();
    await warehouse.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function summary(result: LatenessResult, name: PolicyName) {
  const late = result.late[name];
  const lengths = result.lengthsMs;
  const early = late.filter((_, i) => lengths[i]! <= 10_000);
  const ratios = late.map((ms, i) => ms / lengths[i]!).filter((_, i) => lengths[i]! > 10_000);
  const at = (target: number) =>
    late[lengths.reduce((best, l, i) => (Math.abs(l - target) < Math.abs(lengths[best]! - target) ? i : best), 0)]!;
  return {
    meanMs: mean(late),
    meanRatio: mean(late.map((ms, i) => ms / lengths[i]!)),
    earlyMaxMs: Math.max(...early),
    worstRatio: Math.max(...ratios),
    near50Ms: at(51_000),
  };
}

function format(results: readonly LatenessResult[]): string {
  const lines: string[] = [];
  const lengths = results[0]!.lengthsMs;
  lines.push(
    `Completion seen late, queries of ${(lengths[0]! / 1000).toFixed(1)}–${(lengths.at(-1)! / 1000).toFixed(0)} s (${lengths.length} lengths), fake clock, each warehouse's client against its wire-level server`,
  );
  for (const result of results) {
    lines.push(`${result.warehouse} (${result.statusCall}):`);
    lines.push(
      `  ${'policy'.padEnd(48)} ${'mean late'.padStart(10)} ${'mean/len'.padStart(9)} ${'max ≤10 s'.padStart(10)} ${'worst/len'.padStart(10)} ${'~51 s'.padStart(8)} ${'1 h calls'.padStart(10)}`,
    );
    for (const name of POLICIES) {
      const s = summary(result, name);
      const calls = result.hourCalls[name];
      lines.push(
        `  ${TITLES[name].padEnd(48)} ${`${(s.meanMs / 1000).toFixed(2)} s`.padStart(10)} ${`${(100 * s.meanRatio).toFixed(1)} %`.padStart(9)} ${`${(s.earlyMaxMs / 1000).toFixed(2)} s`.padStart(10)} ${`${(100 * s.worstRatio).toFixed(1)} %`.padStart(10)} ${`${(s.near50Ms / 1000).toFixed(1)} s`.padStart(8)} ${(calls === undefined ? '—' : String(calls)).padStart(10)}`,
      );
    }
    const s = summary(result, 'schedule');
    lines.push(
      verdict('warehouse schedule: worst lateness / length', 100 * s.worstRatio, 10, ' %'),
      verdict('warehouse schedule: worst lateness in 10 s', s.earlyMaxMs / 1000, 1, ' s'),
    );
    const calls = result.hourCalls.schedule;
    if (calls !== undefined) lines.push(verdict('warehouse schedule: status calls, 1-hour query', calls, 80, ''));
  }
  return lines.join('\n');
}

export type WarehouseName = keyof typeof WAREHOUSES;

export async function runWarehouseLateness(
  small = quick(),
  names: readonly WarehouseName[] = ['athena', 'bigquery', 'snowflake'],
): Promise<{ text: string; results: LatenessResult[] }> {
  const lengths = queryLengths(small ? 5 : 16);
  const results: LatenessResult[] = [];
  for (const name of names) {
    const make = WAREHOUSES[name];
    // --quick: the hour only under the schedule, and only for Athena (it is the same schedule code for all three).
    const hour: readonly PolicyName[] = small ? (name === 'athena' ? ['schedule'] : []) : POLICIES;
    results.push(await measureWarehouse(make, lengths, hour));
  }
  return { text: format(results), results };
}

/** Lateness against query length: the median over the three warehouses, their min–max as the bar. */
export function latenessPlot(results: readonly LatenessResult[]): string {
  const colors: Record<PolicyName, string> = { flyte: '#7f7f7f', fixed1s: '#2ca02c', before: '#d62728', schedule: '#1f77b4' };
  const lengths = results[0]!.lengthsMs;
  const series: Series[] = POLICIES.map((name) => ({
    name: TITLES[name],
    color: colors[name],
    points: lengths.map((length, i) => {
      const s: Spread = spread(results.map((r) => r.late[name][i]! / 1000));
      return { x: length / 1000, y: s };
    }),
  }));
  const target = (length: number) => Math.max(1, length / 10000);
  series.push({
    name: 'target: max(1 s, 10% of run time)',
    color: '#ff7f0e',
    points: lengths.map((length) => ({ x: length / 1000, y: { median: target(length), min: target(length), max: target(length) } })),
  });
  return linePlot('warehouse polling: completion seen late, against query length', 'query length (s, log scale)', 'seen late (s)', series);
}

/** The same as a share of the query's length, without Flyte's fixed 30 s (off the scale: 2,900 % at 1 s). */
export function latenessRatioPlot(results: readonly LatenessResult[]): string {
  const colors: Record<PolicyName, string> = { flyte: '#7f7f7f', fixed1s: '#2ca02c', before: '#d62728', schedule: '#1f77b4' };
  const lengths = results[0]!.lengthsMs;
  const series: Series[] = POLICIES.filter((name) => name !== 'flyte').map((name) => ({
    name: TITLES[name],
    color: colors[name],
    points: lengths.map((length, i) => ({ x: length / 1000, y: spread(results.map((r) => (100 * r.late[name][i]!) / length)) })),
  }));
  const target = (length: number) => (100 * Math.max(1, length / 10000)) / (length / 1000);
  series.push({
    name: 'target: max(1 s, 10% of run time)',
    color: '#ff7f0e',
    points: lengths.map((length) => ({ x: length / 1000, y: { median: target(length), min: target(length), max: target(length) } })),
  });
  return linePlot(
    'warehouse polling: lateness as a share of the query length',
    'query length (s, log scale)',
    'seen late (% of length)',
    series,
  );
}

if (import.meta.main) {
  const { text, results } = await runWarehouseLateness();
  console.log(text);
  if (process.argv.includes('--plot')) {
    const docs = resolve(fileURLToPath(import.meta.url), '../../../../docs');
    writeFileSync(join(docs, 'perf-lateness.svg'), latenessPlot(results));
    writeFileSync(join(docs, 'perf-lateness-ratio.svg'), latenessRatioPlot(results));
  }
}
