/**
 * Benchmark: status calls (`getQueryStatus`, one monitoring request each) for a Snowflake query that
 * runs 60 s, polled through the executor with the plugin's backoff policy, against fixed 1 s polling
 * (flytekit's connector loop), both through snowflake-sdk against the wire-level Snowflake server
 * on a virtual clock (the executor's sleeps return at once and move time).
 *
 *   node --conditions=@tflyte/source tools/src/bench/snowflake-polling.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, createExecutor, createRegistry, openStateStore, type PollPolicy, t, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { DEFAULT_SNOWFLAKE_POLL, snowflakePlugin, snowflakeTask } from '@tflyte/plugin-snowflake';
import { startSnowflakeServer } from '@tflyte/plugin-snowflake/testing';

const QUERY_SECONDS = 60;

export const regionTotals = snowflakeTask({
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

/** Status calls made while a query runs QUERY_SECONDS of virtual time under `poll`. */
async function statusCalls(poll: PollPolicy): Promise<number> {
  const server = await startSnowflakeServer({
    onQuery: (q) => (/FROM orders/.test(q.sqlText) ? { runningMs: Number.POSITIVE_INFINITY } : undefined),
  });
  const dir = mkdtempSync(join(tmpdir(), 'tflyte-bench-snowflake-'));
  const store = openStateStore(dir);
  try {
    await server.sql("CREATE TABLE SALES.PUBLIC.orders(region VARCHAR); INSERT INTO SALES.PUBLIC.orders VALUES ('eu');", 'SALES', 'PUBLIC');
    let now = 0;
    const clock: Clock = {
      now: () => now,
      sleep: async (ms, signal) => {
        if (signal?.aborted) throw signal.reason;
        now += ms;
        if (now >= QUERY_SECONDS * 1000) {
          for (const query of server.executions(/FROM orders/)) if (query.status === 'RUNNING') server.advance(query.queryId);
          // Once released, the SQL runs on DuckDB in real time: let it finish before the next poll.
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else {
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    };
    const plugin = snowflakePlugin({ accessUrl: server.endpoint, password: 'bench', poll });
    const executor = createExecutor({ registry: createRegistry({ plugins: [plugin] }), store, stateDir: dir, clock });
    await executor.run(toTaskTemplate(regionTotals, { version: 'bench' }), toLiteralMap(regionTotals.inputs, { region: 'eu' }));
    return server.calls.filter((c) => c.op === 'status').length;
  } finally {
    store.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runSnowflakePolling(): Promise<string> {
  const fixed = await statusCalls({ initialMs: 1000, multiplier: 1, maxMs: 1000 });
  const policy = await statusCalls(DEFAULT_SNOWFLAKE_POLL);
  const { initialMs, multiplier, maxMs } = DEFAULT_SNOWFLAKE_POLL;
  return [
    `getQueryStatus calls for a query running ${QUERY_SECONDS} s (virtual clock, snowflake-sdk against the wire-level Snowflake server)`,
    `  fixed 1 s polling (flytekit connector loop)    ${String(fixed).padStart(4)} calls`,
    `  plugin backoff policy (${initialMs / 1000} s, x${multiplier}, cap ${maxMs / 1000} s)   ${String(policy).padStart(4)} calls`,
    `  ratio (policy / fixed): ${(policy / fixed).toFixed(2)}x`,
  ].join('\n');
}

if (import.meta.main) console.log(await runSnowflakePolling());
