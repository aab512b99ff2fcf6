// `npx tflyte run` of the BigQuery example killed with SIGKILL, then the same command run again:
// inside create (the job exists on the server, its handle was never stored) and while the job
// runs. Either way the second command resumes the run and BigQuery sees exactly one job.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BigQueryTestServer, startBigQueryServer } from '@tflyte/plugin-bigquery/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killGroup, killStragglers, type TflyteProcess, tflyte, until } from './test-support/tflyte-bin.ts';

const EXAMPLE = fileURLToPath(new URL('./bigquery.ts', import.meta.url));
const PLUGIN = new URL('../packages/plugin-bigquery/src/index.ts', import.meta.url).href;

let server: BigQueryTestServer;
let project: string;

beforeEach(async () => {
  server = await startBigQueryServer({ queuedMs: 5, runningMs: Number.POSITIVE_INFINITY });
  await server.sql(`
    CREATE SCHEMA sales;
    CREATE TABLE sales.orders(id BIGINT, customer VARCHAR, region VARCHAR, amount DECIMAL(10,2));
    INSERT INTO sales.orders VALUES (1, 'ada', 'eu', 12.50), (2, 'grace', 'us', 7.05), (3, 'edsger', 'eu', 99.99);`);
  project = mkdtempSync(join(tmpdir(), 'tflyte-bigquery-crash-'));
  writeFileSync(
    join(project, 'tflyte.config.ts'),
    `import { bigqueryPlugin } from ${JSON.stringify(PLUGIN)};\nexport default { plugins: [bigqueryPlugin({ poll: { initialMs: 20, multiplier: 1, maxMs: 20 } })] };\n`,
  );
});
afterEach(async () => {
  await killStragglers();
  await server.close();
  rmSync(project, { recursive: true, force: true });
});

/** `npx tflyte run examples/bigquery.ts ordersByRegion …`, pointed at the server as a user would. */
const tflyteRun = (): TflyteProcess =>
  tflyte(['run', EXAMPLE, 'ordersByRegion', '--region', 'eu', '--min-amount', '10'], {
    cwd: project,
    env: { ...process.env, BIGQUERY_EMULATOR_HOST: server.endpoint, METADATA_SERVER_DETECTION: 'none' },
  });

/** The second command resumes, the job is let finish, and it prints the one job's result. */
async function resumeAndFinish(): Promise<TflyteProcess> {
  const second = tflyteRun();
  await until('it resumed and the job ran', () => /resuming run/.test(second.stderr) && server.jobs()[0]?.state === 'RUNNING', second);
  server.advance(server.jobs()[0]!.spec.jobId);
  expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
  return second;
}

describe('npx tflyte run of a BigQuery task, killed with SIGKILL and run again', () => {
  it('killed inside create, after jobs.insert made the job but before its handle was stored: one job', async () => {
    // The insert's response is lost: the job exists, and the SDK waits seconds before it retries.
    server.faults.script('jobs.insert', ['lost-response']);
    const first = tflyteRun();
    await until('the job was created', () => server.jobs().length === 1, first);
    await killGroup(first);
    expect(server.log.count('jobs.insert')).toBe(1);

    const second = await resumeAndFinish();
    // The resumed create asked for the same job id, got 409 and read the job instead.
    expect(server.log.of('jobs.insert').map((c) => c.status)).toEqual([undefined, 409]);
    expect(server.jobs()).toHaveLength(1);
    expect(server.jobs()[0]?.runs).toBe(1);
    expect(JSON.parse(second.stdout).rows).toEqual([
      { id: 1, customer: 'ada', amount: '12.5' },
      { id: 3, customer: 'edsger', amount: '99.99' },
    ]);
  }, 120_000);

  it('killed while the job runs: the same command re-attaches to it, one job', async () => {
    const first = tflyteRun();
    await until('the job ran', () => /RUNNING|running/.test(first.stderr) && server.jobs()[0]?.state === 'RUNNING', first);
    await killGroup(first);

    const second = await resumeAndFinish();
    expect(server.log.count('jobs.insert')).toBe(1);
    expect(server.jobs()).toMatchObject([{ state: 'SUCCEEDED', runs: 1 }]);
    expect(JSON.parse(second.stdout).results.uri).toBe(`bq://example-project:_anonymous_results.anon_${server.jobs()[0]?.spec.jobId}`);
  }, 120_000);
});
