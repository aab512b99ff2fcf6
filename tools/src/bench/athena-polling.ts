/**
 * Benchmark: status calls for an Athena query that runs 60 s, polled through the executor with the
 * plugin's backoff policy, against flytekit's connector loop (a GetQueryExecution every second),
 * both against the wire-level Athena server on a virtual clock (sleeps return at once and move time).
 *
 *   node --conditions=@tflyte/source tools/src/bench/athena-polling.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, createExecutor, createRegistry, openStateStore, t, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { athenaPlugin, athenaTask, type PollPolicy } from '@tflyte/plugin-athena';
import { startAthenaServer } from '@tflyte/plugin-athena/testing';

const QUERY_SECONDS = 60;

export const regionTotals = athenaTask({
  name: 'regionTotals',
  query: 'SELECT count(*) AS n FROM orders WHERE region = {{ .inputs.region }}',
  inputs: { region: t.string() },
  database: 'sales',
});

/** Status calls made while a query runs QUERY_SECONDS of virtual time under `poll`. */
async function statusCalls(poll: PollPolicy | undefined): Promise<number> {
  const server = await startAthenaServer({
    queuedMs: 0,
    runningMs: Number.POSITIVE_INFINITY,
    workGroups: { primary: { outputLocation: 's3://results/athena/' } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'tflyte-bench-athena-'));
  const store = openStateStore(dir);
  try {
    await server.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders(region VARCHAR); INSERT INTO sales.orders VALUES ('eu');`);
    let now = 0;
    const clock: Clock = {
      now: () => now,
      sleep: async (ms, signal) => {
        if (signal?.aborted) throw signal.reason;
        now += ms;
        if (now >= QUERY_SECONDS * 1000) {
          for (const execution of server.executions()) if (execution.state === 'RUNNING') server.advance(execution.queryExecutionId);
          // Once released, the query's SQL runs on DuckDB in real time: let it finish before the next poll.
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else {
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    };
    const plugin = athenaPlugin({
      region: 'us-east-1',
      endpoint: server.endpoint,
      credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
      ...(poll ? { poll } : {}),
    });
    const executor = createExecutor({ registry: createRegistry({ plugins: [plugin] }), store, stateDir: dir, clock });
    await executor.run(toTaskTemplate(regionTotals, { version: 'bench' }), toLiteralMap(regionTotals.inputs, { region: 'eu' }));
    return server.requests.filter((r) => r.op === 'GetQueryExecution').length;
  } finally {
    store.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runAthenaPolling(): Promise<string> {
  const fixed = await statusCalls({ initialMs: 1000, multiplier: 1, maxMs: 1000 });
  const policy = await statusCalls(undefined);
  return [
    `GetQueryExecution calls for a query running ${QUERY_SECONDS} s (virtual clock, wire-level Athena server)`,
    `  fixed 1 s polling (flytekit connector loop)  ${String(fixed).padStart(4)} calls`,
    `  plugin backoff policy (1 s, x1.5, cap 10 s)   ${String(policy).padStart(4)} calls`,
    `  ratio (policy / fixed): ${(policy / fixed).toFixed(2)}x`,
  ].join('\n');
}

if (import.meta.main) console.log(await runAthenaPolling());
