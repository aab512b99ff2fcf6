/**
 * Benchmark: jobs.get calls for a BigQuery query job that runs 60 s, polled through the executor with
 * the plugin's backoff policy, against fixed 1 s polling (Airflow's BigQuery trigger and flytekit's
 * connector loop poll at a fixed interval), both through the real @google-cloud/bigquery against the
 * wire-level BigQuery server on a virtual clock (sleeps return at once and move time).
 *
 *   node --conditions=@tflyte/source tools/src/bench/bigquery-polling.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, createExecutor, createRegistry, openStateStore, type PollPolicy, t, toLiteralMap, toTaskTemplate } from '@tflyte/core';
import { bigqueryPlugin, bigqueryTask } from '@tflyte/plugin-bigquery';
import { startBigQueryServer } from '@tflyte/plugin-bigquery/testing';

const QUERY_SECONDS = 60;

export const regionCount = bigqueryTask({
  name: 'regionCount',
  query: 'SELECT count(*) AS n FROM sales.orders WHERE region = {{ .inputs.region }}',
  inputs: { region: t.string() },
  projectId: 'bench-project',
});

/** jobs.get calls made while a job runs QUERY_SECONDS of virtual time under `poll`. */
async function statusCalls(poll: PollPolicy | undefined): Promise<number> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  const server = await startBigQueryServer({ queuedMs: 0, runningMs: Number.POSITIVE_INFINITY });
  const dir = mkdtempSync(join(tmpdir(), 'tflyte-bench-bigquery-'));
  const store = openStateStore(dir);
  try {
    await server.sql(`CREATE SCHEMA sales; CREATE TABLE sales.orders(region VARCHAR); INSERT INTO sales.orders VALUES ('eu');`);
    let now = 0;
    const clock: Clock = {
      now: () => now,
      sleep: async (ms, signal) => {
        if (signal?.aborted) throw signal.reason;
        // The call deadlines sleep too; only the executor's waits move time.
        if (ms >= 60_000) return new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
        now += ms;
        if (now >= QUERY_SECONDS * 1000) {
          for (const job of server.jobs()) if (job.state === 'RUNNING') server.advance(job.spec.jobId);
          // Once released, the job's SQL runs on DuckDB in real time: let it finish before the next poll.
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else {
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    };
    const plugin = bigqueryPlugin({ apiEndpoint: server.endpoint, ...(poll ? { poll } : {}) });
    const executor = createExecutor({ registry: createRegistry({ plugins: [plugin] }), store, stateDir: dir, clock });
    await executor.run(toTaskTemplate(regionCount, { version: 'bench' }), toLiteralMap(regionCount.inputs, { region: 'eu' }));
    return server.log.count('jobs.get');
  } finally {
    store.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runBigQueryPolling(): Promise<string> {
  const fixed = await statusCalls({ initialMs: 1000, multiplier: 1, maxMs: 1000 });
  const policy = await statusCalls(undefined);
  return [
    `jobs.get calls for a query job running ${QUERY_SECONDS} s (virtual clock, wire-level BigQuery server)`,
    `  fixed 1 s polling (trigger / connector loop)  ${String(fixed).padStart(4)} calls`,
    `  plugin backoff policy (1 s, x1.5, cap 10 s)   ${String(policy).padStart(4)} calls`,
    `  ratio (policy / fixed): ${(policy / fixed).toFixed(2)}x`,
  ].join('\n');
}

if (import.meta.main) console.log(await runBigQueryPolling());
